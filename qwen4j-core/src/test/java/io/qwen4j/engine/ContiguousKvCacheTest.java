package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.model.ModelConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attention reads of both cache types against a plain double computation over the stored values (F16
 * keys and values are first rounded to half precision, as the cache stores them).
 */
class ContiguousKvCacheTest {

    private static final ModelConfig CONFIG = ModelConfig.builder("qwen3").hiddenSize(64).numLayers(2).numHeads(4)
            .numKeyValueHeads(2).headDim(72).intermediateSize(64).vocabSize(10).contextLength(32).build();

    @Test
    void keyScoresAndValueSumsMatchAPlainLoop() {
        for (KvCacheType type : KvCacheType.values()) {
            var random = new Random(3);
            int kvDim = CONFIG.keyValueDim();
            int headDim = CONFIG.headDim();
            int positions = 11;
            var cache = ContiguousKvCache.forContext(CONFIG, type, 16);
            float[][] keys = new float[positions][kvDim];
            float[][] values = new float[positions][kvDim];
            for (int p = 0; p < positions; p++) {
                for (int i = 0; i < kvDim; i++) {
                    keys[p][i] = (float) random.nextGaussian();
                    values[p][i] = (float) random.nextGaussian();
                }
                cache.write(1, p, keys[p], 0, values[p], 0);
                if (type == KvCacheType.F16) {
                    for (int i = 0; i < kvDim; i++) {
                        keys[p][i] = Float.float16ToFloat(Float.floatToFloat16(keys[p][i]));
                        values[p][i] = Float.float16ToFloat(Float.floatToFloat16(values[p][i]));
                    }
                }
            }
            int queries = 3; // a GQA group: three query heads read one key/value head in one pass
            float[] query = new float[queries * headDim + 5];
            float[] weights = new float[queries * positions + 2];
            for (int i = 0; i < query.length; i++) {
                query[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < weights.length; i++) {
                weights[i] = random.nextFloat();
            }
            for (int kvHead = 0; kvHead < CONFIG.numKeyValueHeads(); kvHead++) {
                float[] scores = new float[queries * positions + 1];
                cache.keyScores(1, kvHead, query, 5, queries, positions, scores, 1);
                float[] out = new float[queries * headDim + 4];
                out[4] = 1f;
                cache.accumulateValues(1, kvHead, weights, 2, queries, positions, out, 4);
                for (int g = 0; g < queries; g++) {
                    for (int p = 0; p < positions; p++) {
                        double expected = 0;
                        for (int i = 0; i < headDim; i++) {
                            expected += (double) query[5 + g * headDim + i] * keys[p][kvHead * headDim + i];
                        }
                        assertEquals(expected, scores[1 + g * positions + p], 1e-4,
                                type + " score of query " + g + ", position " + p);
                    }
                    for (int i = 0; i < headDim; i++) {
                        double expected = g == 0 && i == 0 ? 1 : 0;
                        for (int p = 0; p < positions; p++) {
                            expected += (double) weights[2 + g * positions + p] * values[p][kvHead * headDim + i];
                        }
                        assertEquals(expected, out[4 + g * headDim + i], 1e-4,
                                type + " value sum of query " + g + ", element " + i);
                    }
                }
            }
        }
    }

    /**
     * A hybrid's linear-attention layers keep no keys or values: 8 layers with full attention every 4th keep 2 layers'
     * worth, and the two attention layers' entries stay apart.
     */
    @Test
    void hybridCachesHoldOnlyTheAttentionLayers() {
        ModelConfig hybrid = CONFIG.toBuilder().architecture("qwen35").numLayers(8)
                .gatedDeltaNet(new io.qwen4j.model.GatedDeltaNetConfig(4, 2, 2, 16, 4)).build();
        int kvDim = CONFIG.keyValueDim();
        assertEquals(2L * 2 * kvDim * 4, ContiguousKvCache.bytesPerPosition(hybrid, KvCacheType.F32));
        assertEquals(2L * 8 * kvDim * 4, ContiguousKvCache.bytesPerPosition(CONFIG.toBuilder().numLayers(8).build(),
                KvCacheType.F32));
        var cache = ContiguousKvCache.forContext(hybrid, KvCacheType.F32, 4);
        float[] ones = new float[kvDim];
        float[] twos = new float[kvDim];
        java.util.Arrays.fill(ones, 1f);
        java.util.Arrays.fill(twos, 2f);
        cache.write(3, 0, ones, 0, ones, 0);
        cache.write(7, 0, twos, 0, twos, 0);
        float[] query = new float[CONFIG.headDim()];
        java.util.Arrays.fill(query, 1f);
        float[] scores = new float[1];
        cache.keyScores(3, 1, query, 0, 1, 1, scores, 0);
        assertEquals(CONFIG.headDim(), scores[0], 1e-6);
        cache.keyScores(7, 1, query, 0, 1, 1, scores, 0);
        assertEquals(2 * CONFIG.headDim(), scores[0], 1e-6);
    }
}
