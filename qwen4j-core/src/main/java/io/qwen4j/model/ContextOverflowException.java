package io.qwen4j.model;

import io.qwen4j.InvalidInputException;

/** A sequence longer than its context (KV cache capacity): says how long it was and what fits. */
public class ContextOverflowException extends InvalidInputException {

    private final int length;
    private final int capacity;

    public ContextOverflowException(String what, int length, int capacity) {
        super(what + " of " + length + " tokens does not fit the context: at most " + capacity + " tokens fit");
        this.length = length;
        this.capacity = capacity;
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }
}
