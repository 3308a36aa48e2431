package io.qwen4j.tokenizer;

import io.qwen4j.InvalidInputException;

/** Bad tokenizer input: a malformed tokenizer file, an unsupported tokenizer kind, or an unknown token id. */
public final class TokenizerException extends InvalidInputException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
