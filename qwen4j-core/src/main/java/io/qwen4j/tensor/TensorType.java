package io.qwen4j.tensor;

import java.util.Optional;

/**
 * The tensor element types qwen4j can read, with ggml's numeric ids and block layouts.
 *
 * <p>A "block" is the unit of quantization: {@link #blockSize} elements stored in {@link #blockBytes}
 * bytes (1 element for plain float types). Ids and sizes are those of ggml's {@code ggml_type} and
 * {@code type_traits}, so a GGUF tensor info maps to one constant. To add a type: add a constant here
 * and a {@link io.qwen4j.quant.QuantFormat} for it in {@link io.qwen4j.quant.QuantFormats}.
 */
public enum TensorType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    MXFP4(39, 32, 17);

    /** ggml's names for ids that exist but that qwen4j does not read, for error messages. */
    private static final String[] GGML_NAMES = {
        "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
        "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
        "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8",
        "IQ4_NL_8_8", "MXFP4"
    };

    private static final TensorType[] BY_ID = new TensorType[64];

    static {
        for (TensorType t : values()) {
            BY_ID[t.ggmlId] = t;
        }
    }

    public final int ggmlId;
    public final int blockSize;
    public final int blockBytes;

    TensorType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The supported type with this ggml id, or empty when the id is unknown or unsupported. */
    public static Optional<TensorType> fromGgmlId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    /** ggml's name for a type id (also for types qwen4j cannot read), or "type#ID". */
    public static String ggmlName(int id) {
        return id >= 0 && id < GGML_NAMES.length ? GGML_NAMES[id] : "type#" + id;
    }

    /** Looks a type up by its name, case-insensitively ("q8_0", "Q4_K", "bf16"). */
    public static Optional<TensorType> fromName(String name) {
        for (TensorType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Bytes taken by {@code elements} elements; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        return elements / blockSize * blockBytes;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }
}
