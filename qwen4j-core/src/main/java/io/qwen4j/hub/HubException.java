package io.qwen4j.hub;

import io.qwen4j.InvalidInputException;

/**
 * The hub refused what the user asked for: a repo, revision or file that does not exist, a gated or
 * private repo without a token, a {@code :QUANT} that matches no file (or several). The message names
 * the repo, revision, file or quant and, where there is one, the way out.
 */
public class HubException extends InvalidInputException {
    public HubException(String message) {
        super(message);
    }
}
