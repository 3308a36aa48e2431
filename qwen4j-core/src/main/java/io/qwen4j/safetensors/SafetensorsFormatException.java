package io.qwen4j.safetensors;

import io.qwen4j.InvalidInputException;

/** A safetensors file or index that is malformed: the message names the file and, where known, the tensor. */
public final class SafetensorsFormatException extends InvalidInputException {

    public SafetensorsFormatException(String message) {
        super(message);
    }
}
