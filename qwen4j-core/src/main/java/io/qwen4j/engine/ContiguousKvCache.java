package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.ModelConfig;

/**
 * A KV cache for one sequence with every position in one array per layer: position {@code p}'s key for
 * head {@code h} is at {@code slot(p) * kvDim + h * headDim}. {@link #slot} is the one place that maps a
 * position to storage; a paged cache replaces it with a block-table lookup.
 */
public final class ContiguousKvCache implements KvCache {

    /** One head's keys or values converted from F16, per thread (attention runs heads in parallel). */
    private static final int MAX_HEAD_DIM = 1024;
    private static final ThreadLocal<float[]> HEAD_SCRATCH = ThreadLocal.withInitial(() -> new float[MAX_HEAD_DIM]);

    private final int capacity;
    private final int kvDim;
    private final int headDim;
    private final KvCacheType type;
    // Exactly one pair is non-null, per type.
    private final float[][] keysF32;
    private final float[][] valuesF32;
    private final short[][] keysF16;
    private final short[][] valuesF16;

    private ContiguousKvCache(ModelConfig config, KvCacheType type, int capacity) {
        this.capacity = capacity;
        this.kvDim = config.keyValueDim();
        this.headDim = config.headDim();
        this.type = type;
        if (headDim > MAX_HEAD_DIM) {
            throw new InvalidInputException("head dimension " + headDim + " exceeds " + MAX_HEAD_DIM);
        }
        long elements = (long) capacity * kvDim;
        if (elements > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException("a contiguous KV cache of " + capacity
                    + " positions is too large for one array per layer; use a smaller context");
        }
        int layers = config.numLayers();
        if (type == KvCacheType.F32) {
            keysF32 = new float[layers][(int) elements];
            valuesF32 = new float[layers][(int) elements];
            keysF16 = valuesF16 = null;
        } else {
            keysF16 = new short[layers][(int) elements];
            valuesF16 = new short[layers][(int) elements];
            keysF32 = valuesF32 = null;
        }
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
        return 2L * config.numLayers() * config.keyValueDim() * type.bytesPerElement;
    }

    public KvCacheType type() {
        return type;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Where position {@code p} lives (identity here: the seam for a paged layout). */
    private int slot(int position) {
        return position;
    }

    @Override
    public void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        int at = slot(position) * kvDim;
        if (type == KvCacheType.F32) {
            System.arraycopy(key, keyOffset, keysF32[layer], at, kvDim);
            System.arraycopy(value, valueOffset, valuesF32[layer], at, kvDim);
        } else {
            short[] k = keysF16[layer];
            short[] v = valuesF16[layer];
            for (int i = 0; i < kvDim; i++) {
                k[at + i] = Float.floatToFloat16(key[keyOffset + i]);
                v[at + i] = Float.floatToFloat16(value[valueOffset + i]);
            }
        }
    }

    @Override
    public void keyScores(int layer, int kvHead, float[] query, int queryOffset, int count, float[] scores,
                          int scoresOffset) {
        int head = kvHead * headDim;
        if (type == KvCacheType.F32) {
            float[] keys = keysF32[layer];
            for (int p = 0; p < count; p++) {
                scores[scoresOffset + p] = VectorOps.dot(query, queryOffset, keys, slot(p) * kvDim + head, headDim);
            }
        } else {
            short[] keys = keysF16[layer];
            float[] key = HEAD_SCRATCH.get();
            for (int p = 0; p < count; p++) {
                VectorOps.halfToFloat(keys, slot(p) * kvDim + head, key, 0, headDim);
                scores[scoresOffset + p] = VectorOps.dot(query, queryOffset, key, 0, headDim);
            }
        }
    }

    @Override
    public void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int count, float[] out,
                                 int outOffset) {
        int head = kvHead * headDim;
        if (type == KvCacheType.F32) {
            float[] values = valuesF32[layer];
            for (int p = 0; p < count; p++) {
                VectorOps.axpy(weights[weightsOffset + p], values, slot(p) * kvDim + head, out, outOffset, headDim);
            }
        } else {
            short[] values = valuesF16[layer];
            float[] value = HEAD_SCRATCH.get();
            for (int p = 0; p < count; p++) {
                VectorOps.halfToFloat(values, slot(p) * kvDim + head, value, 0, headDim);
                VectorOps.axpy(weights[weightsOffset + p], value, 0, out, outOffset, headDim);
            }
        }
    }
}
