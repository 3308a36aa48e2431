package io.qwen4j.chat.parse;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * A tool the model may call: its name and JSON-schema parameters (may be an empty object).
 * The XML format needs the schema to turn raw parameter text into typed JSON values.
 */
public record ToolSpec(String name, JsonNode parameters) {
    public ToolSpec {
        if (parameters == null || parameters.isNull()) {
            parameters = Json.MAPPER.createObjectNode();
        }
    }

    /** Reads {@code {"type": "function", "function": {"name", "parameters"}}}; a bare function object is accepted too. */
    public static ToolSpec fromOpenAi(JsonNode tool) {
        if (tool == null || !tool.isObject()) {
            throw new InvalidInputException("a tool must be a JSON object, got: " + tool);
        }
        JsonNode function = tool.has("function") ? tool.get("function") : tool;
        JsonNode name = function.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new InvalidInputException("tool has no function.name: " + tool);
        }
        return new ToolSpec(name.asText(), function.get("parameters"));
    }

    /** Reads a JSON array of OpenAI tool objects. */
    public static List<ToolSpec> listFromOpenAi(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw new InvalidInputException("tools must be a JSON array, got: " + tools.getNodeType());
        }
        List<ToolSpec> specs = new ArrayList<>();
        tools.forEach(tool -> specs.add(fromOpenAi(tool)));
        return specs;
    }

    /**
     * The schema of one parameter ({@code parameters.properties.NAME}), or null when the schema does not
     * name it. Like vLLM, a schema without "properties" is read as the properties map itself.
     */
    JsonNode parameterSchema(String parameter) {
        JsonNode properties = parameters.has("properties") ? parameters.get("properties") : parameters;
        JsonNode schema = properties.get(parameter);
        return schema != null && schema.isObject() ? schema : null;
    }

    static ToolSpec find(List<ToolSpec> tools, String name) {
        for (ToolSpec tool : tools) {
            if (tool.name.equals(name)) {
                return tool;
            }
        }
        return null;
    }
}
