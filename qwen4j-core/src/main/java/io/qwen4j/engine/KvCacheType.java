package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;

/** How cached keys and values are stored: F32 exactly as computed, or F16 for half the memory. */
public enum KvCacheType {
    F32(4),
    F16(2);

    public final int bytesPerElement;

    KvCacheType(int bytesPerElement) {
        this.bytesPerElement = bytesPerElement;
    }

    /** "f32" / "f16", case-insensitive (the CLI's {@code --kv-cache-type}). */
    public static KvCacheType parse(String name) {
        for (KvCacheType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new InvalidInputException("unknown KV cache type '" + name + "' (expected f32 or f16)");
    }
}
