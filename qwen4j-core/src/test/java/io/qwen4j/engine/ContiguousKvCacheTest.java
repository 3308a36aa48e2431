package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import java.util.Arrays;
import java.util.List;

import io.qwen4j.model.ModelConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attention reads of every cache type against a plain double computation over the stored values: F16 keys and values
 * first rounded to half precision, a block type's through its format's scalar reference quantizer and dequantizer
 * (tested against ggml's on their own), as the cache stores them.
 */
class ContiguousKvCacheTest {

    private static final ModelConfig CONFIG = ModelConfig.builder("qwen3").hiddenSize(64).numLayers(2).numHeads(4)
            .numKeyValueHeads(2).headDim(72).intermediateSize(64).vocabSize(10).contextLength(32).build();

    /** Heads of three 32-element blocks, for the block types. */
    private static final ModelConfig BLOCKS_CONFIG = CONFIG.toBuilder().headDim(96).build();

    @Test
    void keyScoresAndValueSumsMatchAPlainLoop() {
        for (KvCacheType type : KvCacheType.values()) {
            ModelConfig config = type.storage.blockSize > 1 ? BLOCKS_CONFIG : CONFIG;
            var random = new Random(3);
            int kvDim = config.keyValueDim();
            int headDim = config.headDim();
            int positions = 11;
            var cache = ContiguousKvCache.forContext(config, type, 16);
            float[][] keys = new float[positions][kvDim];
            float[][] values = new float[positions][kvDim];
            for (int p = 0; p < positions; p++) {
                for (int i = 0; i < kvDim; i++) {
                    keys[p][i] = (float) random.nextGaussian();
                    values[p][i] = (float) random.nextGaussian();
                }
                // outliers, which the block types' scales must carry
                keys[p][random.nextInt(kvDim)] *= 20;
                values[p][random.nextInt(kvDim)] *= 20;
                cache.write(1, p, keys[p], 0, values[p], 0);
                keys[p] = KvStorageReference.stored(type, keys[p], headDim);
                values[p] = KvStorageReference.stored(type, values[p], headDim);
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
            for (int kvHead = 0; kvHead < config.numKeyValueHeads(); kvHead++) {
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

    @Test
    void blockTypesNeedHeadsOfWholeBlocksAndCountTheirBytes() {
        var error = assertThrows(InvalidInputException.class, () -> ContiguousKvCache.forContext(CONFIG, KvCacheType.Q8_0, 4));
        assertTrue(error.getMessage().contains("q8_0") && error.getMessage().contains("72"), error.getMessage());
        assertThrows(InvalidInputException.class, () -> PagedKvPool.forBudget(CONFIG, KvCacheType.Q4_0, 1 << 20));
        int kvDim = BLOCKS_CONFIG.keyValueDim();
        // per layer and kind: kvDim / 32 blocks of 34 bytes (Q8_0), 18 (Q4_0), 24 (Q5_1); F16 2 bytes an element
        assertEquals(2L * 2 * kvDim / 32 * 34, ContiguousKvCache.bytesPerPosition(BLOCKS_CONFIG, KvCacheType.Q8_0));
        assertEquals(2L * 2 * kvDim / 32 * 18, ContiguousKvCache.bytesPerPosition(BLOCKS_CONFIG, KvCacheType.Q4_0));
        assertEquals(2L * 2 * kvDim / 32 * 24, ContiguousKvCache.bytesPerPosition(BLOCKS_CONFIG, KvCacheType.Q5_1));
        assertEquals(2L * 2 * kvDim * 2, ContiguousKvCache.bytesPerPosition(BLOCKS_CONFIG, KvCacheType.BF16));
        assertEquals(List.of("f32", "f16", "bf16", "q8_0", "q5_1", "q5_0", "q4_1", "q4_0"),
                Arrays.stream(KvCacheType.values()).map(KvCacheType::label).toList());
        assertEquals(KvCacheType.Q5_1, KvCacheType.parse("Q5_1"));
    }

    /**
     * A cache too large to hold is refused before anything is allocated, by name and size: 256 layers of a million
     * positions is ~2 TiB in F32 (beyond any heap here) and ~0.5 TiB in Q8_0 (beyond any machine's memory here).
     */
    @Test
    void aCacheBeyondTheMemoryIsRefusedWithItsSize() {
        ModelConfig huge = BLOCKS_CONFIG.toBuilder().numLayers(256).contextLength(1 << 20).numKeyValueHeads(8).numHeads(8).build();
        var heap = assertThrows(InvalidInputException.class, () -> ContiguousKvCache.forContext(huge, KvCacheType.F32, 1 << 20));
        assertTrue(heap.getMessage().contains("1048576 positions (f32)") && heap.getMessage().contains("GiB of Java heap")
                && heap.getMessage().contains("q8_0"), heap.getMessage());
        var machine = assertThrows(InvalidInputException.class, () -> PagedKvPool.forSequences(huge, KvCacheType.Q8_0, 1, 1 << 20));
        assertTrue(machine.getMessage().contains("(q8_0)") && machine.getMessage().contains("this machine has"),
                machine.getMessage());
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
