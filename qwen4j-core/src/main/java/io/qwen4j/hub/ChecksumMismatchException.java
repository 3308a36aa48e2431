package io.qwen4j.hub;

import java.io.IOException;

/** A downloaded file whose sha256 (or size) is not what the hub's LFS metadata says; the file was deleted. */
public final class ChecksumMismatchException extends IOException {
    public ChecksumMismatchException(String message) {
        super(message);
    }
}
