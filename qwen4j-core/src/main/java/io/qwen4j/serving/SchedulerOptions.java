package io.qwen4j.serving;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.model.ModelConfig;

/**
 * How a {@link BatchScheduler} runs.
 *
 * @param contextLength  positions of one sequence (prompt + output), the server's {@code --ctx}
 * @param parallel       sequences running at once, the server's {@code --parallel}
 * @param maxQueue       requests waiting beyond the running ones before {@link QueueFullException}
 * @param kvCacheType    F32 or F16 keys and values
 * @param stepTokens     tokens per forward pass: one per decoding sequence, the rest for prompt chunks,
 *                       so a long prompt is prefilled over several steps while other streams go on
 * @param kvBudgetBytes  size of the paged KV pool in bytes; 0 = room for {@code parallel} full contexts
 * @param prefixCaching  keep and reuse computed blocks of common prefixes
 * @param speculation    speculative decoding of sequences that decode while few others do ({@link SpeculativeDrafts})
 */
public record SchedulerOptions(int contextLength, int parallel, int maxQueue, KvCacheType kvCacheType,
                               int stepTokens, long kvBudgetBytes, boolean prefixCaching,
                               SpeculationOptions speculation) {

    public static final int DEFAULT_PARALLEL = 4;
    public static final int DEFAULT_MAX_QUEUE = 64;
    public static final int DEFAULT_STEP_TOKENS = 256;

    public SchedulerOptions {
        positive("context length", contextLength);
        positive("parallel", parallel);
        if (maxQueue < 0) {
            throw new InvalidInputException("max queue must be >= 0, got " + maxQueue);
        }
        positive("step tokens", stepTokens);
        if (kvBudgetBytes < 0) {
            throw new InvalidInputException("KV budget must be >= 0 bytes, got " + kvBudgetBytes);
        }
        if (kvCacheType == null) {
            throw new InvalidInputException("no KV cache type given");
        }
        if (speculation == null) {
            throw new InvalidInputException("no speculative decoding options given");
        }

    }

    /**
     * F16 cache, 4 sequences, queue of 64, 256 tokens per step, pool for every sequence, prefix cache on, no speculative
     * decoding.
     */
    public static SchedulerOptions defaults(int contextLength) {
        return new SchedulerOptions(contextLength, DEFAULT_PARALLEL, DEFAULT_MAX_QUEUE, KvCacheType.F16,
                DEFAULT_STEP_TOKENS, 0, true, SpeculationOptions.OFF);
    }

    public SchedulerOptions withParallel(int n) {
        return new SchedulerOptions(contextLength, n, maxQueue, kvCacheType, stepTokens, kvBudgetBytes, prefixCaching, speculation);
    }

    public SchedulerOptions withMaxQueue(int n) {
        return new SchedulerOptions(contextLength, parallel, n, kvCacheType, stepTokens, kvBudgetBytes, prefixCaching, speculation);
    }

    public SchedulerOptions withKvCacheType(KvCacheType type) {
        return new SchedulerOptions(contextLength, parallel, maxQueue, type, stepTokens, kvBudgetBytes, prefixCaching, speculation);
    }

    public SchedulerOptions withStepTokens(int n) {
        return new SchedulerOptions(contextLength, parallel, maxQueue, kvCacheType, n, kvBudgetBytes, prefixCaching, speculation);
    }

    public SchedulerOptions withKvBudgetBytes(long bytes) {
        return new SchedulerOptions(contextLength, parallel, maxQueue, kvCacheType, stepTokens, bytes, prefixCaching, speculation);
    }

    public SchedulerOptions withPrefixCaching(boolean on) {
        return new SchedulerOptions(contextLength, parallel, maxQueue, kvCacheType, stepTokens, kvBudgetBytes, on, speculation);
    }

    public SchedulerOptions withSpeculation(SpeculationOptions options) {
        return new SchedulerOptions(contextLength, parallel, maxQueue, kvCacheType, stepTokens, kvBudgetBytes,
                prefixCaching, options);
    }

    /**
     * The paged KV pool these options ask for: room for {@code parallel} full contexts, or {@code kvBudgetBytes}; an
     * error names the problem when the model's context is shorter or the budget holds less than one context.
     */
    PagedKvPool newPool(ModelConfig model) {
        if (contextLength > model.contextLength()) {
            throw new InvalidInputException("context of " + contextLength + " tokens exceeds the model's "
                    + model.contextLength());
        }
        PagedKvPool pool = kvBudgetBytes == 0
                ? PagedKvPool.forSequences(model, kvCacheType, parallel, contextLength)
                : PagedKvPool.forBudget(model, kvCacheType, kvBudgetBytes);
        int oneContext = PagedKvPool.blocksFor(contextLength);
        if (pool.blockCount() < oneContext) {
            throw new InvalidInputException("a KV budget of " + kvBudgetBytes + " bytes holds " + pool.blockCount()
                    + " blocks, fewer than one context of " + contextLength + " tokens needs (" + oneContext + ")");
        }
        return pool;
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new InvalidInputException(name + " must be >= 1, got " + value);
        }
    }
}
