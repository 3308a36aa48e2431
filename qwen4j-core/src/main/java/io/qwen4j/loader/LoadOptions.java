package io.qwen4j.loader;

import io.qwen4j.model.Architectures;

/**
 * How to load a model: compute threads ({@code -t}, 0 = one per core), the largest batch of tokens run
 * as one pass (activation buffers are sized for it; longer prompts run in slices), and whether a
 * {@link KernelWarmup} compiles the kernels in the background while the rest loads (on by default; off for
 * runs that measure a cold JVM or must not start a thread).
 */
public record LoadOptions(int threads, int maxBatchTokens, boolean warmup) {

    public LoadOptions {
        if (threads < 0) {
            throw new io.qwen4j.InvalidInputException("thread count must be >= 0 (0 = all cores), got " + threads);
        }
        if (maxBatchTokens < 1) {
            throw new io.qwen4j.InvalidInputException("batch size must be >= 1, got " + maxBatchTokens);
        }
    }

    /** With the background kernel warm-up. */
    public LoadOptions(int threads, int maxBatchTokens) {
        this(threads, maxBatchTokens, true);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, Architectures.DEFAULT_MAX_BATCH_TOKENS);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, maxBatchTokens, warmup);
    }

    public LoadOptions withMaxBatchTokens(int n) {
        return new LoadOptions(threads, n, warmup);
    }

    public LoadOptions withoutWarmup() {
        return new LoadOptions(threads, maxBatchTokens, false);
    }

    public int resolvedThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
