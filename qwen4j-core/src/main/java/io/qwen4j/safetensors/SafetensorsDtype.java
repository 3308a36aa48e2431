package io.qwen4j.safetensors;

import java.util.Optional;

/**
 * The element types a safetensors header may name (its {@code dtype} strings), with their sizes. Every
 * type is recognised so that a header is validated whole; which ones a model may use is the loader's call.
 */
public enum SafetensorsDtype {
    F64(8), F32(4), F16(2), BF16(2),
    /** {@code float8_e4m3fn}: 1 sign, 4 exponent (bias 7), 3 mantissa bits, no infinities, 0x7F/0xFF are NaN. */
    F8_E4M3(1),
    F8_E5M2(1),
    I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    public final int bytes;

    SafetensorsDtype(int bytes) {
        this.bytes = bytes;
    }

    public static Optional<SafetensorsDtype> of(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
