package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.server.http.ApiException;
import java.util.Set;

/**
 * Content that must be text, in the shapes the APIs give it: a string, or an array of parts ({@code {"type", "text"}})
 * whose texts are joined. Anything else (an image, a file) is a 400 naming the part ({@code where[j]}).
 */
public final class TextParts {

    private TextParts() {
    }

    /**
     * The text of {@code content} (null: empty); {@code types} are the part types that hold text, {@code noun} what the
     * API calls a part ("parts", "blocks") in the error message.
     */
    public static String join(JsonNode content, String where, Set<String> types, String noun) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw ApiException.wrongType(where, "a string or an array of text " + noun, RequestFields.kind(content));
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText("");
            if (!types.contains(type) || !part.path("text").isTextual()) {
                throw ApiException.badRequest(where, where + "[" + j + "]: only text " + noun + " are supported here, got "
                        + (type.isEmpty() ? RequestFields.kind(part) : "type '" + type + "'"));
            }
            text.append(part.get("text").asText());
        }
        return text.toString();
    }
}
