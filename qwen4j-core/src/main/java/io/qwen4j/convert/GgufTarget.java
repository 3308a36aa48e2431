package io.qwen4j.convert;

import io.qwen4j.InvalidInputException;
import io.qwen4j.loader.LlamaCppMetadata;
import io.qwen4j.tensor.TensorType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@code convert --type} and {@code quantize TYPE} produce: llama.cpp's file types, named as its tools
 * name them. {@code baseType} is what most matrices get; the K-quant "_M" mixes give some tensors
 * {@code Q6_K}, the IQ4 ones some {@code Q5_K}; MXFP4_MOE gives it to the experts only ({@link QuantMix}).
 */
public enum GgufTarget {
    F32(TensorType.F32, 0),
    F16(TensorType.F16, 1),
    BF16(TensorType.BF16, 32),
    Q8_0(TensorType.Q8_0, 7),
    Q4_0(TensorType.Q4_0, 2),
    Q4_K_M(TensorType.Q4_K, 15),
    Q5_K_M(TensorType.Q5_K, 17),
    Q6_K(TensorType.Q6_K, 18),
    IQ4_NL(TensorType.IQ4_NL, 25),
    IQ4_XS(TensorType.IQ4_XS, 30),
    /** A MoE model's experts in MXFP4, every other matrix Q8_0 ({@link QuantMix}). */
    MXFP4_MOE(TensorType.MXFP4, 38);

    public final TensorType baseType;
    /** llama.cpp's {@code llama_ftype}, written as {@link LlamaCppMetadata#FILE_TYPE}. */
    public final int llamaFileType;

    GgufTarget(TensorType baseType, int llamaFileType) {
        this.baseType = baseType;
        this.llamaFileType = llamaFileType;
    }

    public boolean isQuantized() {
        return baseType.isQuantized();
    }

    /** Case-insensitive: {@code q4_k_m}, {@code Q8_0}, {@code bf16}. */
    public static GgufTarget parse(String name) {
        for (GgufTarget t : values()) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new InvalidInputException("unknown type '" + name + "' (supported: " + Arrays.stream(values())
                .map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
    }
}
