package io.qwen4j.chat.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * How the Qwen3-Coder output parser will read a parameter's text, decided as it decides it (from the
 * schema's "type": the first non-null entry of a list, "string" when absent), so the constraint writes
 * text that the parser turns into a value of the intended type.
 */
enum XmlValueKind {
    /** Raw text, kept as is. */
    STRING,
    INTEGER,
    NUMBER,
    /** {@code true}/{@code false} in any case. */
    BOOLEAN,
    /** Objects, arrays and anything else: parsed as JSON. */
    JSON;

    static XmlValueKind of(JsonNode schema) {
        String type = schema == null ? "string" : declaredType(schema);
        if (type.equals("string") || type.equals("str") || type.equals("text") || type.equals("varchar")
                || type.equals("char") || type.equals("enum")) {
            return STRING;
        }
        if (type.startsWith("int") || type.startsWith("uint") || type.startsWith("long")
                || type.startsWith("short") || type.startsWith("unsigned")) {
            return INTEGER;
        }
        if (type.startsWith("num") || type.startsWith("float") || type.startsWith("double")) {
            return NUMBER;
        }
        if (type.equals("boolean") || type.equals("bool") || type.equals("binary")) {
            return BOOLEAN;
        }
        return JSON;
    }

    private static String declaredType(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            for (JsonNode entry : type) {
                if (entry.isTextual() && !entry.asText().equalsIgnoreCase("null")) {
                    return entry.asText().strip().toLowerCase(Locale.ROOT);
                }
            }
            return "string";
        }
        return type != null && type.isTextual() ? type.asText().strip().toLowerCase(Locale.ROOT) : "string";
    }
}
