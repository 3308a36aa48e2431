package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.model.ModelConfig;

/**
 * Key and value storage shared by the cache layouts: one array per layer and kind, {@code slots} rows of
 * {@code kvDim} elements, F32 as computed or F16. A contiguous cache maps position {@code p} to slot
 * {@code p}; a paged pool maps it through a block table. Both read runs of consecutive slots here, so the
 * vectorised loops exist once.
 */
final class KvSlots {

    private final int kvDim;
    private final int headDim;
    private final KvCacheType type;
    // Exactly one pair is non-null, per type.
    private final float[][] keysF32;
    private final float[][] valuesF32;
    private final short[][] keysF16;
    private final short[][] valuesF16;

    /** Per compute thread: four positions' heads of F16 keys or values widened to floats. */
    private final ThreadLocal<float[]> scratch;

    KvSlots(ModelConfig config, KvCacheType type, long slots, String what) {
        this.kvDim = config.keyValueDim();
        this.headDim = config.headDim();
        this.type = type;
        int dim = headDim;
        this.scratch = ThreadLocal.withInitial(() -> new float[4 * dim]);
        long elements = slots * kvDim;
        if (elements > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(what + " of " + slots
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

    /** Keys and values of one position over all layers. */
    static long bytesPerPosition(ModelConfig config, KvCacheType type) {
        return 2L * config.numLayers() * config.keyValueDim() * type.bytesPerElement;
    }

    KvCacheType type() {
        return type;
    }

    void write(int layer, int slot, float[] key, int keyOffset, float[] value, int valueOffset) {
        int at = slot * kvDim;
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

    /**
     * {@code scores[scoresOffset + g * scoresStride + i] = query_g . key(layer, firstSlot + i, kvHead)} for
     * {@code i < n} and each of the {@code queries} query heads sharing the key head (query {@code g} at
     * {@code queryOffset + g * headDim}). Keys are taken four positions at a time ({@link VectorOps#dot4}: the
     * same sums as one {@link VectorOps#dot} each), and each F16 key is widened once for the whole group.
     */
    void keyScores(int layer, int kvHead, float[] query, int queryOffset, int queries, int firstSlot, int n,
                   float[] scores, int scoresOffset, int scoresStride) {
        int at = firstSlot * kvDim + kvHead * headDim;
        boolean f32 = type == KvCacheType.F32;
        float[] keys = f32 ? keysF32[layer] : scratch.get();
        int step = fourHeadsStep(f32);
        int i = 0;
        for (; i + 4 <= n; i += 4, at += 4 * kvDim) {
            int k0 = f32 ? at : widen(keysF16[layer], at, 4, keys);
            for (int g = 0; g < queries; g++) {
                VectorOps.dot4(query, queryOffset + g * headDim, keys, k0, k0 + step, k0 + 2 * step, k0 + 3 * step,
                        headDim, scores, scoresOffset + g * scoresStride + i);
            }
        }
        for (; i < n; i++, at += kvDim) {
            int keyAt = f32 ? at : widen(keysF16[layer], at, 1, keys);
            for (int g = 0; g < queries; g++) {
                scores[scoresOffset + g * scoresStride + i] =
                        VectorOps.dot(query, queryOffset + g * headDim, keys, keyAt, headDim);
            }
        }
    }

    /**
     * {@code out[outOffset + g * headDim ...] += sum_i weights[weightsOffset + g * weightsStride + i] *
     * value(layer, firstSlot + i, kvHead)} for each of the {@code queries} query heads sharing the value head,
     * positions in order, four at a time ({@link VectorOps#axpy4}: the same operations as one
     * {@link VectorOps#axpy} each). Each F16 value is widened once for the whole group.
     */
    void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int weightsStride, int queries,
                          int firstSlot, int n, float[] out, int outOffset) {
        int at = firstSlot * kvDim + kvHead * headDim;
        boolean f32 = type == KvCacheType.F32;
        float[] values = f32 ? valuesF32[layer] : scratch.get();
        int step = fourHeadsStep(f32);
        int i = 0;
        for (; i + 4 <= n; i += 4, at += 4 * kvDim) {
            int v0 = f32 ? at : widen(valuesF16[layer], at, 4, values);
            for (int g = 0; g < queries; g++) {
                int w = weightsOffset + g * weightsStride + i;
                VectorOps.axpy4(weights[w], weights[w + 1], weights[w + 2], weights[w + 3], values, v0, v0 + step,
                        v0 + 2 * step, v0 + 3 * step, out, outOffset + g * headDim, headDim);
            }
        }
        for (; i < n; i++, at += kvDim) {
            int valueAt = f32 ? at : widen(valuesF16[layer], at, 1, values);
            for (int g = 0; g < queries; g++) {
                VectorOps.axpy(weights[weightsOffset + g * weightsStride + i], values, valueAt, out,
                        outOffset + g * headDim, headDim);
            }
        }
    }

    /**
     * Distance between four consecutive positions' heads as the kernels read them: F32 heads in place, one
     * position ({@code kvDim}) apart; F16 heads widened next to each other by {@link #widen}.
     */
    private int fourHeadsStep(boolean f32) {
        return f32 ? kvDim : headDim;
    }

    /**
     * The heads of {@code positions} consecutive positions (at {@code at}, {@code at + kvDim}, ...) as floats,
     * one after the other in {@code heads} from index 0, which it returns: where the kernels read them. C2
     * vectorises this plain loop (F16C), and the float dot/axpy that follows is the Vector API one: about 3x
     * the fused scalar loop, which cannot vectorise a float sum.
     */
    private int widen(short[] halves, int at, int positions, float[] heads) {
        for (int k = 0; k < positions; k++) {
            int from = at + k * kvDim;
            int to = k * headDim;
            for (int d = 0; d < headDim; d++) {
                heads[to + d] = Float.float16ToFloat(halves[from + d]);
            }
        }
        return 0;
    }
}
