package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.chat.parse.ToolSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Tool schemas of the shapes tools use, and where the shared Qwen3 tokenizer lives. */
final class TestSchemas {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String WEATHER = """
            {"type": "object", "properties": {"city": {"type": "string"},
              "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}, "days": {"type": "integer"}},
             "required": ["city"]}""";
    static final String NESTED = """
            {"type": "object", "properties": {
              "user": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                 "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}, "required": ["name", "age"]},
              "active": {"type": "boolean"}, "score": {"type": "number"}},
             "required": ["user", "active"]}""";
    static final String INTEGERS = """
            {"type": "object", "properties": {"values": {"type": "array", "items": {"type": "integer"}, "minItems": 1}},
             "required": ["values"]}""";
    static final String UNIONS = """
            {"type": "object", "properties": {"mode": {"const": "fast"}, "limit": {"type": ["integer", "null"]},
              "target": {"anyOf": [{"type": "string"}, {"type": "number"}]}, "extra": {}},
             "required": ["mode", "target"]}""";
    static final String REFERENCES = """
            {"type": "object", "properties": {"point": {"$ref": "#/$defs/Point"}}, "required": ["point"],
             "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                                 "required": ["x", "y"]}}}""";
    static final String OPEN = """
            {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}""";
    static final String EMPTY = "{}";

    static final List<String> ALL = List.of(WEATHER, NESTED, INTEGERS, UNIONS, REFERENCES, OPEN, EMPTY);

    private TestSchemas() {}

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static ToolSpec tool(String name, String schema) {
        return new ToolSpec(name, parse(schema));
    }

    static Path qwen3Tokenizer() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared/qwen/qwen3").normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared/qwen/qwen3 not found");
    }
}
