package io.qwen4j.gguf;

import java.util.List;
import java.util.Objects;

/**
 * A metadata array: one element type and its values (represented as in {@link GgufValue}; the elements
 * of an array of arrays are {@link GgufArray}s, each with its own element type).
 */
public record GgufArray(GgufValueType elementType, List<?> values) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        values = List.copyOf(values);
        for (Object v : values) {
            GgufValue.check(elementType, v);
        }
    }

    public int size() {
        return values.size();
    }

    public GgufValue element(int i) {
        return new GgufValue(elementType, values.get(i));
    }
}
