package io.qwen4j.serving;

/** A request accepted by a {@link GenerationService}. */
public interface Submission {

    /** Stops generating for this request and frees its cache within one step; idempotent. */
    void cancel();

    boolean isDone();
}
