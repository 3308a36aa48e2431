package io.qwen4j.gguf;

import java.util.Optional;

/**
 * The 13 metadata value types of GGUF, with their on-disk ids ({@code gguf_metadata_value_type}).
 *
 * <p>{@link #minBytes} is the smallest encoding of one value; the reader multiplies it by an array
 * count to reject counts larger than the rest of the file before allocating anything.
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** uint64 length + UTF-8 bytes. */
    STRING(8, 8),
    /** uint32 element type + uint64 count + elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    public final int id;
    public final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public static Optional<GgufValueType> fromId(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[(int) id]) : Optional.empty();
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The lower-case name used by the GGUF spec and gguf-py ("uint32", "string", "array"). */
    public String specName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
