package io.qwen4j.chat.constrain;

import io.qwen4j.InvalidInputException;

/**
 * Bounds that keep a constrained model from writing forever inside one construct: at most
 * {@code maxStringBytes} bytes in a string (or XML parameter text), {@code maxNumberDigits} digits in
 * each part of a number, {@code maxDepth} levels of free nesting (values of an empty schema), and
 * {@code maxWhitespace} whitespace bytes wherever JSON allows whitespace.
 */
public record JsonLimits(int maxStringBytes, int maxNumberDigits, int maxDepth, int maxWhitespace) {

    public static final JsonLimits DEFAULTS = new JsonLimits(8192, 16, 16, 1);

    public JsonLimits {
        if (maxStringBytes < 1 || maxNumberDigits < 1 || maxDepth < 1 || maxWhitespace < 0) {
            throw new InvalidInputException("JSON limits must be positive (whitespace >= 0), got " + this);
        }
    }
}
