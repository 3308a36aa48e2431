package io.qwen4j.serving;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;

/**
 * Receives one submission's progress. Called from the engine's thread, in order, never concurrently for
 * one submission: implementations hand the data off (a queue, a socket write that cannot block the
 * engine for long) and return.
 */
public interface StepListener {

    /** Tokens of the prompt found in the prefix cache; called once, before the first step. */
    default void onPromptCached(int cachedTokens) {
    }

    void onStep(GenerationStep step);

    /** The last call on success. */
    void onFinish(FinishReason reason);

    /** The last call when the submission failed (a cancelled one gets neither this nor onFinish). */
    void onError(RuntimeException error);
}
