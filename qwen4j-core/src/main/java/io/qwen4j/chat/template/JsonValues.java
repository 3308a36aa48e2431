package io.qwen4j.chat.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts inputs to the plain JSON-shaped values the renderer understands (LinkedHashMap, ArrayList,
 * String, Integer/Long/BigInteger, Double, Boolean, null), copying so a template can never change the
 * caller's data.
 */
final class JsonValues {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonValues() {
    }

    static Object copy(Object value) {
        return convert(value, null);
    }

    /**
     * A deep copy for the template's variables: as {@link #copy}, with every null (JSON null, a null in a
     * caller's map or list) turned into Python's None ({@link PyNone}); Java null means "undefined" there.
     */
    static Object templateValue(Object value) {
        return convert(value, PyNone.NONE);
    }

    /** The deep copy both share; {@code nullValue} stands for every null met. */
    private static Object convert(Object value, Object nullValue) {
        return switch (value) {
            case null -> nullValue;
            case JsonNode node -> convert(JSON.convertValue(node, Object.class), nullValue);
            case Map<?, ?> map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(String.valueOf(k), convert(v, nullValue)));
                yield out;
            }
            case Collection<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                list.forEach(v -> out.add(convert(v, nullValue)));
                yield out;
            }
            case Object[] array -> convert(Arrays.asList(array), nullValue);
            case Float f -> f.doubleValue();
            default -> value;
        };
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> listOfObjects(JsonNode node, String what) {
        if (node == null || !node.isArray()) {
            throw new TemplateException(what + " must be a JSON array, got " + (node == null ? "nothing" : node.getNodeType()));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : node) {
            if (!item.isObject()) {
                throw new TemplateException(what + "[" + i + "] must be a JSON object, got " + item.getNodeType());
            }
            out.add((Map<String, Object>) copy(item));
            i++;
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(JsonNode node, String what) {
        if (node == null || !node.isObject()) {
            throw new TemplateException(what + " must be a JSON object, got " + (node == null ? "nothing" : node.getNodeType()));
        }
        return (Map<String, Object>) copy(node);
    }
}
