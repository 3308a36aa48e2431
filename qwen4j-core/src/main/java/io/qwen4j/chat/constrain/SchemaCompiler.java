package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a JSON schema into a {@link Schema}. Choices, for forced tool calls:
 * <ul>
 *   <li>an object with {@code properties} admits no other key unless {@code additionalProperties} says so
 *       (true or a schema); an object without {@code properties} admits any keys;
 *   <li>{@code oneOf} is read as {@code anyOf}; {@code allOf} with one entry is that entry;
 *   <li>{@code nullable: true} (OpenAPI) adds null; a type list is a union of the types;
 *   <li>local {@code $ref}s ({@code #/$defs/X}, {@code #/definitions/X}) are followed;
 *   <li>anything else (unknown types, other keywords) admits any JSON value rather than refusing the tool.
 * </ul>
 */
final class SchemaCompiler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode root;
    private final Map<String, Schema> references = new HashMap<>();

    private SchemaCompiler(JsonNode root) {
        this.root = root;
    }

    static Schema compile(JsonNode schema) {
        var compiler = new SchemaCompiler(schema);
        return compiler.read(schema);
    }

    /** The schema a {@code $ref} names; a reference this compiler cannot follow admits any value. */
    synchronized Schema resolve(String pointer) {
        Schema known = references.get(pointer);
        if (known == null) {
            JsonNode target = pointer.startsWith("#") ? root.at(pointer.substring(1)) : null;
            known = target == null || target.isMissingNode() ? new Schema.AnyValue() : read(target);
            references.put(pointer, known);
        }
        return known;
    }

    private Schema read(JsonNode schema) {
        if (schema == null || schema.isBoolean() && schema.asBoolean() || !schema.isObject() || schema.isEmpty()) {
            return new Schema.AnyValue();
        }
        if (schema.has("$ref") && schema.get("$ref").isTextual()) {
            return new Schema.Reference(this, schema.get("$ref").asText());
        }
        if (schema.has("const")) {
            return new Schema.OneOfValues(List.of(write(schema.get("const"))));
        }
        if (schema.has("enum") && schema.get("enum").isArray() && !schema.get("enum").isEmpty()) {
            List<String> values = new ArrayList<>();
            schema.get("enum").forEach(v -> values.add(write(v)));
            return new Schema.OneOfValues(values);
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            JsonNode options = schema.get(combinator);
            if (options != null && options.isArray() && !options.isEmpty()) {
                List<Schema> read = new ArrayList<>();
                options.forEach(option -> read.add(read(option)));
                return nullable(schema, new Schema.Union(read));
            }
        }
        JsonNode allOf = schema.get("allOf");
        if (allOf != null && allOf.isArray() && allOf.size() == 1) {
            return read(allOf.get(0));
        }
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            List<Schema> read = new ArrayList<>();
            type.forEach(t -> read.add(ofType(t.asText(), schema)));
            return read.isEmpty() ? new Schema.AnyValue() : nullable(schema, new Schema.Union(read));
        }
        String typeName = type != null && type.isTextual() ? type.asText()
                : schema.has("properties") ? "object" : schema.has("items") ? "array" : "";
        return nullable(schema, ofType(typeName, schema));
    }

    private Schema ofType(String type, JsonNode schema) {
        return switch (type) {
            case "string" -> new Schema.StringType();
            case "integer" -> new Schema.NumberType(true);
            case "number" -> new Schema.NumberType(false);
            case "boolean" -> new Schema.BooleanType();
            case "null" -> new Schema.NullType();
            case "array" -> array(schema);
            case "object" -> object(schema);
            default -> new Schema.AnyValue();
        };
    }

    private Schema array(JsonNode schema) {
        int min = count(schema, "minItems", 0);
        int max = count(schema, "maxItems", Integer.MAX_VALUE);
        if (min > max) {
            throw new InvalidInputException("schema has minItems " + min + " > maxItems " + max + ": no array satisfies it");
        }
        return new Schema.ArrayType(read(schema.get("items")), min, max);
    }

    private Schema object(JsonNode schema) {
        JsonNode properties = schema.get("properties");
        if (properties == null || !properties.isObject()) {
            return Schema.ObjectType.ANY;
        }
        Map<String, Schema> declared = new LinkedHashMap<>();
        properties.properties().forEach(e -> declared.put(e.getKey(), read(e.getValue())));
        Set<String> required = new LinkedHashSet<>();
        JsonNode names = schema.get("required");
        if (names != null && names.isArray()) {
            names.forEach(n -> {
                if (!declared.containsKey(n.asText())) {
                    throw new InvalidInputException("schema requires \"" + n.asText() + "\" but does not declare it in properties");
                }
                required.add(n.asText());
            });
        }
        JsonNode additional = schema.get("additionalProperties");
        Schema other = additional == null || additional.isBoolean() && !additional.asBoolean() ? null : read(additional);
        return new Schema.ObjectType(declared, required, other);
    }

    private static Schema nullable(JsonNode schema, Schema read) {
        JsonNode flag = schema.get("nullable");
        return flag != null && flag.asBoolean() ? new Schema.Union(List.of(read, new Schema.NullType())) : read;
    }

    private static int count(JsonNode schema, String keyword, int otherwise) {
        JsonNode value = schema.get(keyword);
        return value != null && value.canConvertToInt() && value.asInt() >= 0 ? value.asInt() : otherwise;
    }

    static String write(JsonNode value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serialises", e);
        }
    }
}
