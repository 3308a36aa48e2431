package io.qwen4j.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One typed metadata value.
 *
 * <p>{@code value} is a {@link Long} for every integer type (a uint64 above {@link Long#MAX_VALUE} is
 * kept as its two's-complement long, so no bit is lost), {@link Float} for float32, {@link Double} for
 * float64, {@link Boolean}, {@link String}, or a {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        check(type, value);
    }

    /** Throws IllegalArgumentException unless {@code value} is a valid Java representation of {@code type}. */
    static void check(GgufValueType type, Object value) {
        Objects.requireNonNull(value, "value");
        Class<?> expected = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException("a " + type.specName() + " value must be a "
                    + expected.getSimpleName() + ", not " + value.getClass().getSimpleName());
        }
        if (type.isInteger() && !fitsInteger(type, (Long) value)) {
            throw new IllegalArgumentException(value + " does not fit in " + type.specName());
        }
    }

    private static boolean fitsInteger(GgufValueType type, long v) {
        return switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true; // uint64 (two's complement) and int64 use all 64 bits
        };
    }

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUInt32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(GgufValueType.INT32, (long) v);
    }

    public static GgufValue ofUInt64(long v) {
        return new GgufValue(GgufValueType.UINT64, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray array) {
        return new GgufValue(GgufValueType.ARRAY, array);
    }

    public static GgufValue ofStrings(List<String> values) {
        return ofArray(new GgufArray(GgufValueType.STRING, values));
    }

    public static GgufValue ofInt32s(int... values) {
        return ofArray(new GgufArray(GgufValueType.INT32,
                java.util.Arrays.stream(values).mapToObj(v -> (long) v).toList()));
    }

    public static GgufValue ofFloat32s(float... values) {
        var list = new java.util.ArrayList<Float>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return ofArray(new GgufArray(GgufValueType.FLOAT32, list));
    }

    /** The integer as a signed long; for uint64 above Long.MAX_VALUE use {@link Long#toUnsignedString}. */
    public long asLong() {
        return (Long) value;
    }

    /** True for a uint64 whose value is above {@link Long#MAX_VALUE} (stored as a negative long). */
    public boolean isLargeUnsigned() {
        return type == GgufValueType.UINT64 && (Long) value < 0;
    }
}
