package io.qwen4j.server.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.JsonErrors;
import io.qwen4j.server.http.ApiException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A request body read field by field: each typed getter checks the JSON type and range and names the
 * field in its 400. JSON {@code null} counts as absent (clients send nulls for unset options). Fields
 * never asked for are the unknown ones, logged by the handler.
 */
public final class RequestFields {

    /** Refuses a body with text after its JSON object ({@code {…}}}), which Jackson's readTree otherwise ignores. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ObjectNode body;
    private final Set<String> read = new HashSet<>();

    RequestFields(ObjectNode body) {
        this.body = body;
    }

    public static RequestFields parse(byte[] bytes) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "malformed JSON body: " + JsonErrors.describe(e));
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "unreadable JSON body: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw ApiException.badRequest(null, "the request body is empty; expected a JSON object");
        }
        if (!node.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object, got " + kind(node));
        }
        return new RequestFields((ObjectNode) node);
    }

    /** The token ids of a JSON array, each checked to be in {@code [0, vocabularySize)}; 400 names {@code param[i]}. */
    public static int[] tokenIds(String param, JsonNode array, int vocabularySize) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= vocabularySize) {
                throw ApiException.badRequest(param, param + "[" + i + "] is not a token id in [0, " + vocabularySize + "): " + id);
            }
            ids[i] = id.asInt();
        }
        return ids;
    }

    /** Fields of a body built here rather than read (another API's request rewritten as chat fields). */
    public static RequestFields of(ObjectNode body) {
        return new RequestFields(body);
    }

    /** The raw value, or empty when absent or null. */
    public Optional<JsonNode> raw(String name) {
        read.add(name);
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    /** The raw value of a field that must be there: 400 "'name' is required" otherwise. */
    public JsonNode required(String name) {
        return raw(name).orElseThrow(() -> missing(name));
    }

    /** A string field that must be there. */
    public String requiredString(String name) {
        return string(name).orElseThrow(() -> missing(name));
    }

    private static ApiException missing(String name) {
        return ApiException.badRequest(name, "'" + name + "' is required");
    }

    boolean has(String name) {
        return raw(name).isPresent();
    }

    public Optional<String> string(String name) {
        return raw(name).map(v -> {
            if (!v.isTextual()) {
                throw ApiException.wrongType(name, "a string", kind(v));
            }
            return v.asText();
        });
    }

    public Optional<Boolean> bool(String name) {
        return raw(name).map(v -> {
            if (!v.isBoolean()) {
                throw ApiException.wrongType(name, "a boolean", kind(v));
            }
            return v.asBoolean();
        });
    }

    public OptionalInt integer(String name, long min, long max) {
        OptionalLong v = longValue(name, min, max);
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    public OptionalLong longValue(String name, long min, long max) {
        Optional<JsonNode> node = raw(name);
        if (node.isEmpty()) {
            return OptionalLong.empty();
        }
        JsonNode v = node.get();
        // 3.0 is accepted as 3 (JavaScript clients cannot tell them apart); 3.5 is not an integer.
        if (!v.isNumber() || (!v.isIntegralNumber() && v.asDouble() != Math.rint(v.asDouble()))) {
            throw ApiException.wrongType(name, "an integer", kind(v));
        }
        if (v.isBigInteger() || (!v.canConvertToLong())) {
            throw ApiException.badRequest(name, "'" + name + "' is out of range: " + v);
        }
        long value = v.isIntegralNumber() ? v.asLong() : (long) v.asDouble();
        if (value < min || value > max) {
            throw ApiException.badRequest(name, "'" + name + "' must be in [" + min + ", " + max + "], got " + value);
        }
        return OptionalLong.of(value);
    }

    public OptionalDouble number(String name, double min, double max) {
        Optional<JsonNode> node = raw(name);
        if (node.isEmpty()) {
            return OptionalDouble.empty();
        }
        JsonNode v = node.get();
        if (!v.isNumber()) {
            throw ApiException.wrongType(name, "a number", kind(v));
        }
        double value = v.asDouble();
        if (!(value >= min && value <= max)) {
            throw ApiException.badRequest(name, "'" + name + "' must be in [" + min + ", " + max + "], got " + v);
        }
        return OptionalDouble.of(value);
    }

    public Optional<ObjectNode> object(String name) {
        return raw(name).map(v -> {
            if (!v.isObject()) {
                throw ApiException.wrongType(name, "an object", kind(v));
            }
            return (ObjectNode) v;
        });
    }

    /** A string or an array of strings (OpenAI's {@code stop}). */
    public List<String> stringOrStrings(String name, int maxCount) {
        Optional<JsonNode> node = raw(name);
        List<String> out = new ArrayList<>();
        if (node.isEmpty()) {
            return out;
        }
        JsonNode v = node.get();
        if (v.isTextual()) {
            out.add(v.asText());
        } else if (v.isArray()) {
            for (JsonNode item : v) {
                if (!item.isTextual()) {
                    throw ApiException.wrongType(name, "a string or an array of strings", "an array holding " + kind(item));
                }
                out.add(item.asText());
            }
        } else {
            throw ApiException.wrongType(name, "a string or an array of strings", kind(v));
        }
        if (out.size() > maxCount) {
            throw ApiException.badRequest(name, "'" + name + "' holds " + out.size() + " entries; at most " + maxCount);
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiException.badRequest(name, "'" + name + "' must not contain an empty string");
            }
        }
        return out;
    }

    /** Top-level fields no getter asked for, in body order. */
    public List<String> unknown() {
        List<String> out = new ArrayList<>();
        body.fieldNames().forEachRemaining(n -> {
            if (!read.contains(n)) {
                out.add(n);
            }
        });
        return out;
    }

    public static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number " + v;
            case BOOLEAN -> "the boolean " + v;
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
