package io.qwen4j.chat.template;

import io.qwen4j.InvalidInputException;

/**
 * A chat template could not be parsed or rendered, or the conversation handed to it is malformed
 * (unknown role, tool-call arguments that are not JSON, a {@code raise_exception} in the template).
 *
 * <p>Rendering never degrades silently: any error Jinjava reports becomes this exception, because a
 * prompt that is subtly wrong is worse than no prompt.
 */
public class TemplateException extends InvalidInputException {
    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
