package io.qwen4j.server;

import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.serving.SerialGenerationService;

/** The one place that chooses the engine behind the server. */
public final class GenerationServices {

    private GenerationServices() {
    }

    /**
     * The service for {@code serve}: {@code contextLength} per sequence, {@code parallel} running sequences,
     * at most {@code maxQueue} waiting. For now the serial reference service (it runs one sequence at a
     * time, so {@code parallel} is not used yet); the lead swaps in the batching scheduler here at merge.
     */
    public static GenerationService create(LoadedModel model, KvCacheType kvType, int contextLength, int parallel,
            int maxQueue) {
        if (contextLength < 2) {
            throw new io.qwen4j.InvalidInputException("--ctx must be at least 2 tokens, got " + contextLength);
        }
        // Checked here: the serial service would only find out on its engine thread, which then dies.
        if (contextLength > model.config().contextLength()) {
            throw new io.qwen4j.InvalidInputException("--ctx " + contextLength + " exceeds the model's context of "
                    + model.config().contextLength() + " tokens");
        }
        if (parallel < 1) {
            throw new io.qwen4j.InvalidInputException("--parallel must be >= 1, got " + parallel);
        }
        if (maxQueue < 1) {
            throw new io.qwen4j.InvalidInputException("--max-queue must be >= 1, got " + maxQueue);
        }
        return new SerialGenerationService(model.model(), kvType, contextLength, maxQueue);
    }
}
