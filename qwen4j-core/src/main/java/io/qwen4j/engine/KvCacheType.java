package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.tensor.TensorType;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How cached keys and values are stored: F32 exactly as computed, F16 or BF16 for half the memory, or one of the
 * 32-element block formats llama.cpp offers for its cache ({@code -ctk}/{@code -ctv}): Q8_0 (8.5 bits an element,
 * 0.53x of F16), Q5_1, Q5_0, Q4_1 and Q4_0 (4.5 bits). A block type quantizes each position's head as the
 * GGUF format of that name does ({@code quantize_row_*_ref}), so a head size must be a multiple of 32.
 *
 * <p>Not IQ4_NL, which llama.cpp also offers: its quantizer picks each block's scale among 15 fits whose errors are
 * often nearly equal, so keys a few float ulps apart were stored as different blocks: moving every key and value by
 * up to 3 ulps moved a synthetic Qwen3's logits (heads of 128) by ~5e-3 of their range with IQ4_NL, ~4e-8 with Q4_0.
 * A cache should not amplify rounding noise that much.
 */
public enum KvCacheType {
    F32(TensorType.F32),
    F16(TensorType.F16),
    BF16(TensorType.BF16),
    Q8_0(TensorType.Q8_0),
    Q5_1(TensorType.Q5_1),
    Q5_0(TensorType.Q5_0),
    Q4_1(TensorType.Q4_1),
    Q4_0(TensorType.Q4_0);

    /** The tensor type each position's heads are stored as. */
    public final TensorType storage;

    KvCacheType(TensorType storage) {
        this.storage = storage;
    }

    /** Bytes taken by {@code elements} cached elements, a whole number of blocks. */
    public long bytesFor(long elements) {
        return storage.bytesFor(elements);
    }

    /** Rejects a model whose heads do not split into this type's blocks, naming both. */
    public void requireHeadDim(int headDim) {
        if (headDim % storage.blockSize != 0) {
            throw new InvalidInputException("a " + label() + " KV cache stores blocks of " + storage.blockSize
                    + " elements, and this model's head size " + headDim + " is not a multiple of it; use f16 or f32");
        }
    }

    /** The name on the command line: "q8_0". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** "f32", "q8_0", ..., case-insensitive (the CLI's {@code --kv-cache-type}). */
    public static KvCacheType parse(String name) {
        for (KvCacheType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new InvalidInputException("unknown KV cache type '" + name + "' (expected one of " + names() + ")");
    }

    /** Every type's label, comma-separated, for help texts and errors. */
    public static String names() {
        return Arrays.stream(values()).map(KvCacheType::label).collect(Collectors.joining(", "));
    }
}
