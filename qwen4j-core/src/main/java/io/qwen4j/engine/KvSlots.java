package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.model.ModelConfig;

/**
 * Key and value storage shared by the cache layouts: one array per attention layer and kind (a hybrid model's
 * linear-attention layers keep none: {@link ModelConfig#keepsKeysAndValues}) in a {@link KvCacheType}
 * ({@link KvStore}), head-major: head {@code h} of slot {@code s} is the {@code headDim} elements at
 * {@code (h * slots + s) * headDim}. A contiguous cache maps position {@code p} to slot {@code p}; a paged
 * pool maps it through a block table. Both read runs of consecutive slots here, so the vectorised loops
 * exist once.
 *
 * <p>Why head-major: attention reads one head of every position in turn. Slot-major rows put those heads
 * {@code kvDim} apart (256 or 512 bytes out of every 2 or 4 KB), so a long context was read in short runs that
 * the hardware prefetchers, which stop at 4 KB pages, kept losing; head-major makes it one sequential stream
 * per head.
 */
final class KvSlots {

    private final int kvDim;
    private final int headDim;
    /** Elements between one head's rows and the next head's: {@code slots * headDim}. */
    private final int headStride;
    private final KvCacheType type;
    /** The array index of each layer's keys and values; -1 for a layer without them. */
    private final int[] storageOf;
    private final KvStore keys;
    private final KvStore values;

    /**
     * Positions whose heads are staged as floats at a time: runs of 4, 16 and 64 measured, fewer was faster
     * (F16, 2048 positions, 2 threads: 26.5 / 23.7-24.8 / 21.0-21.6 t/s), 4 against 8 within this box's noise.
     */
    private static final int RUN = 8;

    /** Per compute thread: {@link #RUN} positions' heads of keys or values read back as floats. */
    private final ThreadLocal<float[]> scratch;

    KvSlots(ModelConfig config, KvCacheType type, long slots, String what) {
        this.kvDim = config.keyValueDim();
        this.headDim = config.headDim();
        this.type = type;
        type.requireHeadDim(headDim);
        int dim = headDim;
        this.scratch = ThreadLocal.withInitial(() -> new float[RUN * dim]);
        long elements = slots * kvDim;
        if (elements > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(what + " of " + slots
                    + " positions is too large for one array per layer; use a smaller context");
        }
        this.headStride = (int) (slots * headDim);
        this.storageOf = new int[config.numLayers()];
        int layers = 0;
        for (int l = 0; l < storageOf.length; l++) {
            storageOf[l] = config.keepsKeysAndValues(l) ? layers++ : -1;
        }
        KvStore.requireRoom(type, 2L * layers * type.bytesFor(elements),
                what + " of " + slots + " positions (" + type.label() + ")");
        this.keys = KvStore.create(type, layers, (int) elements);
        this.values = KvStore.create(type, layers, (int) elements);
    }

    /** Keys and values of one position over all the layers that keep them. */
    static long bytesPerPosition(ModelConfig config, KvCacheType type) {
        type.requireHeadDim(config.headDim());
        return 2L * config.attentionLayers() * type.bytesFor(config.keyValueDim());
    }

    KvCacheType type() {
        return type;
    }

    void write(int layer, int slot, float[] key, int keyOffset, float[] value, int valueOffset) {
        int s = storageOf[layer];
        for (int h = 0, from = 0; from < kvDim; h++, from += headDim) {
            int at = h * headStride + slot * headDim;
            keys.write(s, at, key, keyOffset + from, headDim);
            values.write(s, at, value, valueOffset + from, headDim);
        }
    }

    /**
     * {@code scores[scoresOffset + g * scoresStride + i] = query_g . key(layer, firstSlot + i, kvHead)} for
     * {@code i < n} and each of the {@code queries} query heads sharing the key head (query {@code g} at
     * {@code queryOffset + g * headDim}). Keys are taken four positions at a time ({@link VectorOps#dot4}: the
     * same sums as one {@link VectorOps#dot} each), from runs of {@link #RUN} positions staged once for the
     * whole group ({@link #stage}).
     */
    void keyScores(int layer, int kvHead, float[] query, int queryOffset, int queries, int firstSlot, int n,
                   float[] scores, int scoresOffset, int scoresStride) {
        int at = kvHead * headStride + firstSlot * headDim;
        for (int run = 0; run < n; run += RUN, at += RUN * headDim) {
            int m = Math.min(RUN, n - run);
            float[] keys = scratch.get();
            stage(this.keys, layer, at, m, keys);
            int i = 0;
            int k = 0;
            for (; i + 4 <= m; i += 4, k += 4 * headDim) {
                for (int g = 0; g < queries; g++) {
                    VectorOps.dot4(query, queryOffset + g * headDim, keys, k, k + headDim, k + 2 * headDim,
                            k + 3 * headDim, headDim, scores, scoresOffset + g * scoresStride + run + i);
                }
            }
            for (; i < m; i++, k += headDim) {
                for (int g = 0; g < queries; g++) {
                    scores[scoresOffset + g * scoresStride + run + i] =
                            VectorOps.dot(query, queryOffset + g * headDim, keys, k, headDim);
                }
            }
        }
    }

    /**
     * {@code out[outOffset + g * headDim ...] += sum_i weights[weightsOffset + g * weightsStride + i] *
     * value(layer, firstSlot + i, kvHead)} for each of the {@code queries} query heads sharing the value head,
     * positions in order, four at a time ({@link VectorOps#axpy4}: the same operations as one
     * {@link VectorOps#axpy} each), from runs of {@link #RUN} positions staged once for the whole group.
     */
    void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int weightsStride, int queries,
                          int firstSlot, int n, float[] out, int outOffset) {
        int at = kvHead * headStride + firstSlot * headDim;
        for (int run = 0; run < n; run += RUN, at += RUN * headDim) {
            int m = Math.min(RUN, n - run);
            float[] values = scratch.get();
            stage(this.values, layer, at, m, values);
            int i = 0;
            int v = 0;
            for (; i + 4 <= m; i += 4, v += 4 * headDim) {
                for (int g = 0; g < queries; g++) {
                    int w = weightsOffset + g * weightsStride + run + i;
                    VectorOps.axpy4(weights[w], weights[w + 1], weights[w + 2], weights[w + 3], values, v,
                            v + headDim, v + 2 * headDim, v + 3 * headDim, out, outOffset + g * headDim, headDim);
                }
            }
            for (; i < m; i++, v += headDim) {
                for (int g = 0; g < queries; g++) {
                    VectorOps.axpy(weights[weightsOffset + g * weightsStride + run + i], values, v, out,
                            outOffset + g * headDim, headDim);
                }
            }
        }
    }

    /**
     * One head of {@code positions} consecutive slots from {@code at} as floats in {@code buffer} from index 0,
     * where the kernels read them: F16 widened, blocks decoded, F32 copied. Why copy F32 too: the kernels then stream a run
     * from memory in one plain loop and compute on it in L1; reading the cache in place, with the loads between
     * the FMAs and lane sums, decoded slower (0.6B Q8_0, 2048 positions of F32 context, 2 threads: 16.9-17.0
     * vs 21.2-21.6 t/s, two rounds alternated).
     */
    private void stage(KvStore store, int layer, int at, int positions, float[] buffer) {
        store.read(storageOf[layer], at, positions * headDim, buffer);
    }
}
