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

    /** Per compute thread: one head of F16 keys or values widened to floats. */
    private final ThreadLocal<float[]> scratch;

    KvSlots(ModelConfig config, KvCacheType type, long slots, String what) {
        this.kvDim = config.keyValueDim();
        this.headDim = config.headDim();
        this.type = type;
        int dim = headDim;
        this.scratch = ThreadLocal.withInitial(() -> new float[dim]);
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

    /** {@code scores[scoresOffset + i] = query . key(layer, firstSlot + i, kvHead)} for {@code i < n}. */
    void keyScores(int layer, int kvHead, float[] query, int queryOffset, int firstSlot, int n, float[] scores,
                   int scoresOffset) {
        int at = firstSlot * kvDim + kvHead * headDim;
        if (type == KvCacheType.F32) {
            float[] keys = keysF32[layer];
            for (int i = 0; i < n; i++, at += kvDim) {
                scores[scoresOffset + i] = VectorOps.dot(query, queryOffset, keys, at, headDim);
            }
        } else {
            short[] keys = keysF16[layer];
            float[] head = scratch.get();
            for (int i = 0; i < n; i++, at += kvDim) {
                widen(keys, at, head);
                scores[scoresOffset + i] = VectorOps.dot(query, queryOffset, head, 0, headDim);
            }
        }
    }

    /** {@code out[outOffset ...] += sum_i weights[weightsOffset + i] * value(layer, firstSlot + i, kvHead)}. */
    void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int firstSlot, int n,
                          float[] out, int outOffset) {
        int at = firstSlot * kvDim + kvHead * headDim;
        if (type == KvCacheType.F32) {
            float[] values = valuesF32[layer];
            for (int i = 0; i < n; i++, at += kvDim) {
                VectorOps.axpy(weights[weightsOffset + i], values, at, out, outOffset, headDim);
            }
        } else {
            short[] values = valuesF16[layer];
            float[] head = scratch.get();
            for (int i = 0; i < n; i++, at += kvDim) {
                widen(values, at, head);
                VectorOps.axpy(weights[weightsOffset + i], head, 0, out, outOffset, headDim);
            }
        }
    }

    /**
     * One head's halves to floats. C2 vectorises this plain loop (F16C), and the float dot/axpy that
     * follows is the Vector API one: about 3x the fused scalar loop, which cannot vectorise a float sum.
     */
    private void widen(short[] halves, int at, float[] head) {
        for (int d = 0; d < headDim; d++) {
            head[d] = Float.float16ToFloat(halves[at + d]);
        }
    }
}
