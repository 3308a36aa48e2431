package io.qwen4j.hub;

import java.io.IOException;

/** The hub cannot be reached (or offline mode is on) and the cache does not hold the requested snapshot. */
public final class HubUnavailableException extends IOException {
    public HubUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
