package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.ModelConfig;

/**
 * A KV cache for one sequence with every position in one array per layer: position {@code p} is slot
 * {@code p} of its {@link KvSlots}. The paged layout ({@link PagedKvCache}) shares the same storage code
 * and maps positions through a block table instead.
 */
public final class ContiguousKvCache implements KvCache {

    private final int capacity;
    private final KvSlots slots;

    private ContiguousKvCache(ModelConfig config, KvCacheType type, int capacity) {
        this.capacity = capacity;
        this.slots = new KvSlots(config, type, capacity, "a contiguous KV cache");
    }

    /** A cache holding {@code contextLength} positions (at most the model's context length). */
    public static ContiguousKvCache forContext(ModelConfig config, KvCacheType type, int contextLength) {
        if (contextLength < 1) {
            throw new InvalidInputException("context length must be positive, got " + contextLength);
        }
        if (contextLength > config.contextLength()) {
            throw new InvalidInputException("context of " + contextLength + " tokens exceeds the model's "
                    + config.contextLength());
        }
        return new ContiguousKvCache(config, type, contextLength);
    }

    /** The longest context (up to the model's) whose cache fits in {@code bytes}. */
    public static ContiguousKvCache forBudget(ModelConfig config, KvCacheType type, long bytes) {
        long perPosition = bytesPerPosition(config, type);
        long fits = bytes / perPosition;
        if (fits < 1) {
            throw new InvalidInputException("KV cache budget of " + bytes + " bytes holds no position ("
                    + perPosition + " bytes each)");
        }
        return new ContiguousKvCache(config, type, (int) Math.min(fits, config.contextLength()));
    }

    /** Keys and values of one position over all layers. */
    public static long bytesPerPosition(ModelConfig config, KvCacheType type) {
        return KvSlots.bytesPerPosition(config, type);
    }

    public KvCacheType type() {
        return slots.type();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        slots.write(layer, position, key, keyOffset, value, valueOffset);
    }

    @Override
    public void keyScores(int layer, int kvHead, float[] query, int queryOffset, int queries, int count, float[] scores,
                          int scoresOffset) {
        slots.keyScores(layer, kvHead, query, queryOffset, queries, 0, count, scores, scoresOffset, count);
    }

    @Override
    public void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int queries, int count,
                                 float[] out, int outOffset) {
        slots.accumulateValues(layer, kvHead, weights, weightsOffset, count, queries, 0, count, out, outOffset);
    }
}
