package io.qwen4j.server;

import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.serving.BatchScheduler;
import io.qwen4j.serving.SchedulerOptions;

/** The one place that chooses the engine behind the server. */
public final class GenerationServices {

    private GenerationServices() {
    }

    /**
     * The service for {@code serve}: {@code contextLength} per sequence, {@code parallel} running sequences,
     * at most {@code maxQueue} waiting: the continuous-batching scheduler (paged KV cache sized for
     * {@code parallel} full sequences, prefix cache on).
     */
    public static GenerationService create(LoadedModel model, KvCacheType kvType, int contextLength, int parallel,
            int maxQueue) {
        return create(model, kvType, contextLength, parallel, maxQueue, SpeculationOptions.OFF);
    }

    /** As above, decoding speculatively as {@code speculation} says ({@code --speculative}, {@code --draft-max}). */
    public static GenerationService create(LoadedModel model, KvCacheType kvType, int contextLength, int parallel,
            int maxQueue, SpeculationOptions speculation) {
        if (contextLength < 2) {
            throw new io.qwen4j.InvalidInputException("--ctx must be at least 2 tokens, got " + contextLength);
        }
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
        return new BatchScheduler(model.model(), SchedulerOptions.defaults(contextLength).withKvCacheType(kvType)
                .withParallel(parallel).withMaxQueue(maxQueue).withSpeculation(speculation));
    }
}
