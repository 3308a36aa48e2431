package io.qwen4j.loader;

import io.qwen4j.model.Architectures;

/**
 * How to load a model: compute threads ({@code -t}, 0 = one per core), the largest batch of tokens run
 * as one pass (activation buffers are sized for it; longer prompts run in slices).
 */
public record LoadOptions(int threads, int maxBatchTokens) {

    public LoadOptions {
        if (threads < 0) {
            throw new io.qwen4j.InvalidInputException("thread count must be >= 0 (0 = all cores), got " + threads);
        }
        if (maxBatchTokens < 1) {
            throw new io.qwen4j.InvalidInputException("batch size must be >= 1, got " + maxBatchTokens);
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, Architectures.DEFAULT_MAX_BATCH_TOKENS);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, maxBatchTokens);
    }

    public LoadOptions withMaxBatchTokens(int n) {
        return new LoadOptions(threads, n);
    }

    public int resolvedThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
