package io.qwen4j.serving;

/** The service already holds as many waiting requests as it accepts; the client should retry later. */
public final class QueueFullException extends RuntimeException {

    public QueueFullException(int limit) {
        super("the request queue is full (" + limit + " waiting); retry later");
    }
}
