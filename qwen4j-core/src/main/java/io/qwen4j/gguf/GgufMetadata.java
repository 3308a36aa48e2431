package io.qwen4j.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed getters.
 *
 * <p>A getter whose key is missing or has the wrong type throws {@link GgufFormatException} naming the
 * key (and the byte offset of its value in the file), because a model without, say, its
 * {@code qwen3.block_count} is a bad file, not a bug.
 */
public final class GgufMetadata {

    private final Path file;
    private final Map<String, GgufValue> values;
    private final Map<String, Long> offsets;

    /**
     * @param file    the file the values came from, for error messages (may be null)
     * @param values  in insertion order
     * @param offsets byte offset of each key's value in the file (keys may be absent)
     */
    public GgufMetadata(Path file, Map<String, GgufValue> values, Map<String, Long> offsets) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.offsets = Map.copyOf(offsets);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public int size() {
        return values.size();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    /** The raw typed value, or null when the key is absent. */
    public GgufValue get(String key) {
        return values.get(key);
    }

    /** All entries in file order. */
    public Map<String, GgufValue> asMap() {
        return values;
    }

    public String getString(String key) {
        return (String) require(key, GgufValueType.STRING).value();
    }

    public Optional<String> findString(String key) {
        return contains(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    public int getInt(String key) {
        return toInt(key, require(key));
    }

    public int getInt(String key, int defaultValue) {
        return contains(key) ? getInt(key) : defaultValue;
    }

    public long getLong(String key) {
        return toLong(key, require(key));
    }

    public long getLong(String key, long defaultValue) {
        return contains(key) ? getLong(key) : defaultValue;
    }

    public float getFloat(String key) {
        return toFloat(key, require(key));
    }

    public float getFloat(String key, float defaultValue) {
        return contains(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        return (Boolean) require(key, GgufValueType.BOOL).value();
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return contains(key) ? getBoolean(key) : defaultValue;
    }

    public GgufArray getArray(String key) {
        return (GgufArray) require(key, GgufValueType.ARRAY).value();
    }

    @SuppressWarnings("unchecked")
    public List<String> getStringArray(String key) {
        GgufArray array = getArray(key);
        if (array.elementType() != GgufValueType.STRING) {
            throw wrongType(key, "an array of string", "an array of " + array.elementType().specName());
        }
        return (List<String>) array.values();
    }

    public int[] getIntArray(String key) {
        GgufArray array = getArray(key);
        if (!array.elementType().isInteger()) {
            throw wrongType(key, "an array of integers", "an array of " + array.elementType().specName());
        }
        // Integer elements are stored as Long (see GgufValue); the element's name is only built for an error,
        // since this runs over every token type of a 151k vocabulary at start-up.
        List<?> values = array.values();
        int[] result = new int[values.size()];
        for (int i = 0; i < result.length; i++) {
            long v = (Long) values.get(i);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                toInt(key + "[" + i + "]", array.element(i)); // throws the usual error
            }
            result[i] = (int) v;
        }
        return result;
    }

    public boolean[] getBooleanArray(String key) {
        GgufArray array = getArray(key);
        if (array.elementType() != GgufValueType.BOOL) {
            throw wrongType(key, "an array of bool", "an array of " + array.elementType().specName());
        }
        boolean[] result = new boolean[array.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = (Boolean) array.values().get(i);
        }
        return result;
    }

    public float[] getFloatArray(String key) {
        GgufArray array = getArray(key);
        GgufValueType type = array.elementType();
        if (!type.isInteger() && !type.isFloat()) {
            throw wrongType(key, "an array of numbers", "an array of " + type.specName());
        }
        float[] result = new float[array.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = toFloat(key, array.element(i));
        }
        return result;
    }

    private GgufValue require(String key) {
        GgufValue value = values.get(key);
        if (value == null) {
            throw new GgufFormatException(file, -1, "missing metadata key '" + key + "'");
        }
        return value;
    }

    private GgufValue require(String key, GgufValueType type) {
        GgufValue value = require(key);
        if (value.type() != type) {
            throw wrongType(key, type.specName(), value.type().specName());
        }
        return value;
    }

    private int toInt(String key, GgufValue value) {
        long v = toLong(key, value);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufFormatException(file, offsetOf(key), "metadata key '" + key + "' = " + v
                    + " does not fit in a 32-bit int");
        }
        return (int) v;
    }

    private long toLong(String key, GgufValue value) {
        if (!value.type().isInteger()) {
            throw wrongType(key, "an integer", value.type().specName());
        }
        if (value.isLargeUnsigned()) {
            throw new GgufFormatException(file, offsetOf(key), "metadata key '" + key + "' = "
                    + Long.toUnsignedString(value.asLong()) + " does not fit in a 64-bit signed long");
        }
        return value.asLong();
    }

    private float toFloat(String key, GgufValue value) {
        return switch (value.type()) {
            case FLOAT32 -> (Float) value.value();
            case FLOAT64 -> ((Double) value.value()).floatValue();
            default -> {
                if (!value.type().isInteger()) {
                    throw wrongType(key, "a number", value.type().specName());
                }
                yield value.isLargeUnsigned()
                        ? Float.parseFloat(Long.toUnsignedString(value.asLong()))
                        : (float) value.asLong();
            }
        };
    }

    private GgufFormatException wrongType(String key, String expected, String actual) {
        return new GgufFormatException(file, offsetOf(key),
                "metadata key '" + key + "' should be " + expected + " but is " + actual);
    }

    private long offsetOf(String key) {
        int bracket = key.indexOf('[');
        return offsets.getOrDefault(bracket < 0 ? key : key.substring(0, bracket), -1L);
    }

    @Override
    public String toString() {
        return "GgufMetadata" + values.keySet();
    }
}
