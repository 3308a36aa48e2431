package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.server.http.ApiException;
import java.util.Optional;

/**
 * OpenAI's {@code response_format}: the JSON schema a chat answer must satisfy, if any. {@code text} (or no
 * field) leaves the answer free; {@code json_object} asks for any JSON object; {@code json_schema} for a
 * value valid for {@code json_schema.schema}. llama-server's form, {@code json_object} with a {@code schema}
 * beside the type, is read too. The schema becomes a decoding constraint
 * ({@link io.qwen4j.chat.constrain.ToolCallConstraints#answer}), so the answer parses whatever the model would
 * have preferred; {@code strict} is accepted and changes nothing (every answer is held to the schema subset
 * the constraint enforces).
 */
public final class ResponseFormats {

    private ResponseFormats() {
    }

    /** The schema the answer must satisfy, or empty for free text; 400 naming {@code response_format} when malformed. */
    public static Optional<JsonNode> schema(RequestFields fields) {
        Optional<JsonNode> value = fields.raw("response_format");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        JsonNode format = value.get();
        if (!format.isObject()) {
            throw ApiException.wrongType("response_format", "an object such as {\"type\": \"json_object\"}", RequestFields.kind(format));
        }
        JsonNode type = format.get("type");
        if (type == null || !type.isTextual()) {
            throw ApiException.badRequest("response_format",
                    "response_format.type must be \"text\", \"json_object\" or \"json_schema\", got " + type);
        }
        return switch (type.asText()) {
            case "text" -> Optional.empty();
            case "json_object" -> Optional.of(format.hasNonNull("schema") ? schemaObject(format.get("schema"), "response_format.schema")
                    : RequestFields.JSON.createObjectNode().put("type", "object"));
            case "json_schema" -> {
                JsonNode spec = format.get("json_schema");
                if (spec == null || !spec.isObject()) {
                    throw ApiException.badRequest("response_format",
                            "response_format.json_schema must be an object with a 'schema', e.g. {\"name\": \"answer\", \"schema\": {…}}");
                }
                // OpenAI's schema may be left out: then any JSON value answers
                yield Optional.of(spec.hasNonNull("schema") ? schemaObject(spec.get("schema"), "response_format.json_schema.schema")
                        : RequestFields.JSON.createObjectNode());
            }
            default -> throw ApiException.badRequest("response_format",
                    "response_format.type must be \"text\", \"json_object\" or \"json_schema\", got \"" + type.asText() + "\"");
        };
    }

    private static ObjectNode schemaObject(JsonNode schema, String where) {
        if (!schema.isObject()) {
            throw ApiException.badRequest("response_format", where + " must be a JSON schema object, got " + RequestFields.kind(schema));
        }
        return (ObjectNode) schema;
    }
}
