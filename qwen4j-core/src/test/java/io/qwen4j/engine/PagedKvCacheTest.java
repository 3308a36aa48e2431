package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qwen4j.InvalidInputException;
import io.qwen4j.model.ModelConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A paged cache against a plain reference: keys/values kept per position in double arrays, scores and
 * weighted sums computed by the obvious loops. Blocks are handed out in a scrambled order, so a wrong
 * block-table lookup shows.
 */
class PagedKvCacheTest {

    static final ModelConfig CONFIG = ModelConfig.builder("qwen3").hiddenSize(32).numLayers(2).numHeads(4)
            .numKeyValueHeads(2).headDim(12).intermediateSize(8).vocabSize(16).contextLength(128).build();

    /** Heads of two 32-element blocks, for the block types. */
    static final ModelConfig BLOCKS_CONFIG = CONFIG.toBuilder().headDim(64).build();

    /** Every type against the values it stores ({@link KvStorageReference}), so within float rounding of the sums. */
    @Test
    void scoresAndValuesMatchThePlainReferenceAcrossBlocks() {
        for (KvCacheType type : KvCacheType.values()) {
            check(type, type.storage.blockSize > 1 ? BLOCKS_CONFIG : CONFIG, 53, 1e-5);
        }
    }

    private static void check(KvCacheType type, ModelConfig config, int positions, double tolerance) {
        int kvDim = config.keyValueDim();
        int headDim = config.headDim();
        var random = new Random(7);
        PagedKvPool pool = PagedKvPool.forSequences(config, type, 3, 64);
        assertEquals(12, pool.blockCount());
        PagedKvCache cache = pool.newCache(64);
        int[] order = {9, 2, 11, 0};
        for (int block : order) {
            cache.appendBlock(block);
        }
        double[][][] keys = new double[2][positions][kvDim];
        double[][][] values = new double[2][positions][kvDim];
        for (int layer = 0; layer < 2; layer++) {
            for (int p = 0; p < positions; p++) {
                float[] k = new float[kvDim];
                float[] v = new float[kvDim];
                for (int i = 0; i < kvDim; i++) {
                    k[i] = (float) random.nextGaussian();
                    v[i] = (float) random.nextGaussian();
                }
                cache.write(layer, p, k, 0, v, 0);
                float[] keptK = KvStorageReference.stored(type, k, headDim);
                float[] keptV = KvStorageReference.stored(type, v, headDim);
                for (int i = 0; i < kvDim; i++) {
                    keys[layer][p][i] = keptK[i];
                    values[layer][p][i] = keptV[i];
                }
            }
        }
        int queries = 2; // a GQA group: both query heads read one key/value head in one pass
        float[] query = new float[queries * headDim + 3];
        for (int i = 0; i < query.length; i++) {
            query[i] = (float) random.nextGaussian();
        }
        for (int layer = 0; layer < 2; layer++) {
            for (int head = 0; head < 2; head++) {
                float[] scores = new float[queries * positions + 1];
                cache.keyScores(layer, head, query, 3, queries, positions, scores, 1);
                float[] weights = new float[queries * positions];
                for (int g = 0; g < queries; g++) {
                    for (int p = 0; p < positions; p++) {
                        double expected = 0;
                        for (int d = 0; d < headDim; d++) {
                            expected += query[3 + g * headDim + d] * keys[layer][p][head * headDim + d];
                        }
                        assertEquals(expected, scores[1 + g * positions + p], tolerance * (1 + Math.abs(expected)),
                                type + " score of query " + g + ", position " + p);
                        weights[g * positions + p] = (float) random.nextDouble();
                    }
                }
                float[] out = new float[queries * headDim + 2];
                cache.accumulateValues(layer, head, weights, 0, queries, positions, out, 2);
                for (int g = 0; g < queries; g++) {
                    for (int d = 0; d < headDim; d++) {
                        double expected = 0;
                        for (int p = 0; p < positions; p++) {
                            expected += weights[g * positions + p] * values[layer][p][head * headDim + d];
                        }
                        assertEquals(expected, out[2 + g * headDim + d], tolerance * (1 + Math.abs(expected)),
                                type + " value of query " + g + ", dim " + d);
                    }
                }
            }
        }
    }

    @Test
    void writingPastTheAllocatedBlocksFails() {
        PagedKvPool pool = PagedKvPool.forSequences(CONFIG, KvCacheType.F32, 1, 32);
        PagedKvCache cache = pool.newCache(32);
        cache.appendBlock(1);
        float[] kv = new float[CONFIG.keyValueDim()];
        cache.write(0, 15, kv, 0, kv, 0);
        assertThrows(IllegalStateException.class, () -> cache.write(0, 16, kv, 0, kv, 0));
        assertThrows(IllegalArgumentException.class, () -> cache.appendBlock(2));
    }

    @Test
    void sizing() {
        // 2 layers * kvDim 24 (2 heads * 12) * 2 (k and v) * 2 bytes * 16 positions
        assertEquals(2L * 2 * 24 * 2 * 16, PagedKvPool.bytesPerBlock(CONFIG, KvCacheType.F16));
        assertEquals(5, PagedKvPool.forBudget(CONFIG, KvCacheType.F16, 5 * 3072 + 100).blockCount());
        assertEquals(2 * 3, PagedKvPool.forSequences(CONFIG, KvCacheType.F32, 2, 33).blockCount());
        assertThrows(InvalidInputException.class, () -> PagedKvPool.forBudget(CONFIG, KvCacheType.F32, 10));
    }
}
