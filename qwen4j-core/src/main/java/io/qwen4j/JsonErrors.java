package io.qwen4j;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;

/**
 * One line saying what is wrong with a JSON text and where: Jackson's own message without its advice on
 * parser settings (which names internals a user cannot change, "enable `JsonReadFeature…` to allow"),
 * then the line and column. Used wherever a user's JSON (a request body, a case file, a model's config)
 * is refused.
 */
public final class JsonErrors {

    private JsonErrors() {
    }

    public static String describe(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "not valid JSON" : e.getOriginalMessage();
        message = message.replaceAll(":? ?(enable|disable) `[^`]*` to (allow|accept)[^;]*", "").replace('\n', ' ').strip();
        JsonLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            message += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        return message;
    }
}
