package io.qwen4j.serving;

import io.qwen4j.engine.GenerationRequest;

/**
 * Runs generation requests for many clients on one model. {@link #submit} returns at once; progress
 * arrives through the {@link StepListener}. Implementations: {@link SerialGenerationService} (one request
 * at a time, the reference) and the batching scheduler.
 */
public interface GenerationService extends AutoCloseable {

    /**
     * Queues {@code prompt}. Throws {@link io.qwen4j.model.ContextOverflowException} when the prompt cannot
     * fit one sequence's context and {@link QueueFullException} when the queue is full.
     */
    Submission submit(int[] prompt, GenerationRequest request, StepListener listener);

    /** The context length of one sequence (prompt + output). */
    int contextLength();

    ServiceStats stats();

    /** Stops accepting work, cancels what is queued or running, and waits for the engine thread. */
    @Override
    void close();
}
