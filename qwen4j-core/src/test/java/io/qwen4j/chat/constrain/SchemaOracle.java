package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A plain JSON-schema validator written from the spec (draft 2020-12 keywords used by tools), independent
 * of the grammar: type (string or list), enum, const, properties, required, additionalProperties, items,
 * minItems, maxItems, anyOf, oneOf (exactly one), allOf, nullable, local $ref. With {@code closedObjects},
 * an object schema with "properties" and no "additionalProperties" admits no other key (the choice the
 * constraint documents); otherwise other keys are allowed, as the spec says.
 */
final class SchemaOracle {
    private final JsonNode root;
    private final boolean closedObjects;

    private SchemaOracle(JsonNode root, boolean closedObjects) {
        this.root = root;
        this.closedObjects = closedObjects;
    }

    static List<String> errors(JsonNode schema, JsonNode value, boolean closedObjects) {
        List<String> errors = new ArrayList<>();
        new SchemaOracle(schema, closedObjects).check(schema, value, "$", errors);
        return errors;
    }

    private void check(JsonNode schema, JsonNode value, String path, List<String> errors) {
        if (schema == null || schema.isEmpty() || schema.isBoolean() && schema.asBoolean()) {
            return;
        }
        if (schema.has("$ref")) {
            check(root.at(schema.get("$ref").asText().substring(1)), value, path, errors);
            return;
        }
        if (schema.path("nullable").asBoolean(false) && value.isNull()) {
            return;
        }
        if (schema.has("const") && !equalJson(schema.get("const"), value)) {
            errors.add(path + ": not the const " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode option : schema.get("enum")) {
                found |= equalJson(option, value);
            }
            if (!found) {
                errors.add(path + ": " + value + " not in enum " + schema.get("enum"));
            }
        }
        if (schema.has("anyOf")) {
            int passing = countPassing(schema.get("anyOf"), value, path);
            if (passing == 0) {
                errors.add(path + ": matches no anyOf option");
            }
        }
        if (schema.has("oneOf")) {
            int passing = countPassing(schema.get("oneOf"), value, path);
            if (passing != 1) {
                errors.add(path + ": matches " + passing + " oneOf options");
            }
        }
        if (schema.has("allOf")) {
            for (JsonNode part : schema.get("allOf")) {
                check(part, value, path, errors);
            }
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            boolean ok = false;
            if (type.isArray()) {
                for (JsonNode t : type) {
                    ok |= hasType(t.asText(), value);
                }
            } else {
                ok = hasType(type.asText(), value);
            }
            if (!ok) {
                errors.add(path + ": " + value + " is not of type " + type);
                return;
            }
        }
        if (value.isObject()) {
            checkObject(schema, value, path, errors);
        }
        if (value.isArray()) {
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) {
                    check(schema.get("items"), value.get(i), path + "[" + i + "]", errors);
                }
            }
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                errors.add(path + ": fewer than minItems");
            }
            if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                errors.add(path + ": more than maxItems");
            }
        }
    }

    private void checkObject(JsonNode schema, JsonNode value, String path, List<String> errors) {
        JsonNode properties = schema.get("properties");
        if (schema.has("required")) {
            for (JsonNode name : schema.get("required")) {
                if (!value.has(name.asText())) {
                    errors.add(path + ": missing required " + name.asText());
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            var field = it.next();
            String key = field.getKey();
            if (properties != null && properties.has(key)) {
                check(properties.get(key), field.getValue(), path + "." + key, errors);
                continue;
            }
            JsonNode additional = schema.get("additionalProperties");
            if (additional == null) {
                if (closedObjects && properties != null) {
                    errors.add(path + ": unexpected key " + key);
                }
            } else if (additional.isBoolean()) {
                if (!additional.asBoolean()) {
                    errors.add(path + ": additional key " + key);
                }
            } else {
                check(additional, field.getValue(), path + "." + key, errors);
            }
        }
    }

    private int countPassing(JsonNode options, JsonNode value, String path) {
        int passing = 0;
        for (JsonNode option : options) {
            List<String> optionErrors = new ArrayList<>();
            check(option, value, path, optionErrors);
            if (optionErrors.isEmpty()) {
                passing++;
            }
        }
        return passing;
    }

    private static boolean hasType(String type, JsonNode value) {
        return switch (type) {
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || value.isNumber() && isWhole(value.decimalValue());
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            case "array" -> value.isArray();
            case "object" -> value.isObject();
            default -> true;
        };
    }

    private static boolean isWhole(BigDecimal d) {
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }

    /** JSON equality with numbers compared by value (1 == 1.0). */
    private static boolean equalJson(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }
}
