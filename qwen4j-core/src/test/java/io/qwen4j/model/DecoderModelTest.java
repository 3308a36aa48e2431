package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.tensor.TensorType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Logits of every architecture against the double-precision reference. The reference uses the same
 * dequantized weights, so only float-vs-double arithmetic differs: a few float roundings per dot product
 * over 64..96 terms and 2-3 layers stay far below 1e-3 of the largest logit (measured ~1e-6).
 */
class DecoderModelTest {

    static final double TOLERANCE = 1e-3;

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("qwen2 tied", Models.qwen2(true)),
                Arguments.of("qwen2 untied", Models.qwen2(false)),
                Arguments.of("qwen3 untied", Models.qwen3(false, RopeScaling.NONE)),
                Arguments.of("qwen3 tied yarn", Models.qwen3(true, new RopeScaling.Yarn(4, 16))),
                // Qwen3's real rotary shape: headDim 128, theta 1e6, YaRN x4 over 32768 (ramp over dims 23..40)
                Arguments.of("qwen3 headDim 128 yarn", Models.qwen3(false, new RopeScaling.Yarn(4, 32768)).toBuilder()
                        .headDim(128).build()),
                Arguments.of("qwen3moe untied", Models.qwen3Moe(false)),
                Arguments.of("qwen3moe tied", Models.qwen3Moe(true)),
                Arguments.of("qwen35 tied", Models.qwen35(true)),
                Arguments.of("qwen35 untied", Models.qwen35(false)),
                Arguments.of("qwen2moe untied", Models.qwen2Moe(false)),
                Arguments.of("qwen35moe tied", Models.qwen35Moe(true)),
                Arguments.of("qwen3next untied", Models.qwen3Next(false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void prefillLogitsMatchReference(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F32, 7);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(11, 12, config.vocabSize());
        double[][] expected = new ReferenceModel(config, weights.tensors).logits(tokens);
        Logits logits = model.forward(new ForwardBatch(
                List.of(new ForwardBatch.Sequence(tokens, 0, Models.cache(config))), ForwardBatch.LogitsWanted.ALL));
        assertEquals(tokens.length, logits.rowCount(0));
        for (int t = 0; t < tokens.length; t++) {
            double err = Models.relativeError(logits.data(), logits.offset(0, t), expected[t]);
            assertTrue(err < TOLERANCE, name + " position " + t + " relative error " + err);
        }
        double spread = Math.abs(expected[0][0]) + Math.abs(expected[0][1]) + Math.abs(expected[0][2]);
        assertTrue(spread > 0.5, "logits should be a few units wide, got " + spread);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void prefillEqualsTokenByTokenDecode(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F32, 3);
        Model model = Architectures.load(config, weights, Models.POOL);
        float[][] logits = prefillAndTokenByToken(model, config, Models.tokens(5, 9, config.vocabSize()));
        assertClose(logits[0], logits[1], 1e-5, name);
    }

    /**
     * A prompt longer than one block of attention's query tokens (and not a multiple of it) gives the same
     * bits as feeding its tokens one by one: the batched kernels follow the one-row order and a query block
     * masks, per token, the positions after its own.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void longPrefillIsBitIdenticalToTokenByTokenDecode(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F32, 5);
        Model model = Architectures.load(config, weights, Models.POOL);
        int length = 2 * Attention.queryBlockTokens(config) + 3;
        float[][] logits = prefillAndTokenByToken(model, config, Models.tokens(6, length, config.vocabSize()));
        assertArrayEquals(logits[1], logits[0], name);
    }

    /** The last position's logits of {@code tokens} as one prefill, then fed one token at a time into a fresh cache. */
    private static float[][] prefillAndTokenByToken(Model model, ModelConfig config, int[] tokens) {
        float[] prefill = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(tokens, 0, Models.cache(config))))
                .copyLast(0);
        var cache = Models.cache(config);
        float[] decode = null;
        for (int i = 0; i < tokens.length; i++) {
            decode = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {tokens[i]}, i, cache))).copyLast(0);
        }
        return new float[][] {prefill, decode};
    }

    /**
     * Linear attention's state has folded in every token fed: continuing a sequence anywhere but where it stopped is a
     * clear error (not silently wrong logits), and position 0 starts it afresh with the first run's bits.
     */
    @Test
    void hybridSequenceContinuesOnlyWhereItStopped() {
        ModelConfig config = Models.qwen35(false);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F32, 4), Models.POOL);
        var cache = Models.cache(config);
        int[] tokens = Models.tokens(8, 6, config.vocabSize());
        float[] first = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(tokens, 0, cache))).copyLast(0);
        var error = assertThrows(IllegalStateException.class, () -> model.forward(
                ForwardBatch.of(new ForwardBatch.Sequence(new int[] {tokens[4]}, 4, cache))));
        assertTrue(error.getMessage().contains("after 6 tokens") && error.getMessage().contains("position 4"),
                error.getMessage());
        float[] again = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(tokens, 0, cache))).copyLast(0);
        assertArrayEquals(first, again);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void batchOfSequencesEqualsEachAlone(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F32, 9);
        int[][] prompts = {Models.tokens(1, 5, 300), Models.tokens(2, 1, 300), Models.tokens(3, 8, 300)};
        // Each alone: prefill all but the last token, then the last one.
        Model alone = Architectures.load(config, weights, Models.POOL);
        float[][] expected = new float[prompts.length][];
        for (int s = 0; s < prompts.length; s++) {
            expected[s] = alone.forward(ForwardBatch.of(new ForwardBatch.Sequence(prompts[s], 0, Models.cache(config))))
                    .copyLast(0);
        }
        // Together, with a workspace of 4 tokens so the 14-token batch runs in slices.
        Model batched = Architectures.load(config, weights, Models.POOL, 4);
        var caches = List.of(Models.cache(config), Models.cache(config), Models.cache(config));
        var first = batched.forward(new ForwardBatch(List.of(
                new ForwardBatch.Sequence(java.util.Arrays.copyOf(prompts[0], 4), 0, caches.get(0)),
                new ForwardBatch.Sequence(prompts[1], 0, caches.get(1)),
                new ForwardBatch.Sequence(java.util.Arrays.copyOf(prompts[2], 7), 0, caches.get(2))),
                ForwardBatch.LogitsWanted.LAST));
        assertClose(expected[1], first.copyLast(1), 1e-5, name + " seq 1");
        var second = batched.forward(new ForwardBatch(List.of(
                new ForwardBatch.Sequence(new int[] {prompts[0][4]}, 4, caches.get(0)),
                new ForwardBatch.Sequence(new int[] {prompts[2][7]}, 7, caches.get(2))),
                ForwardBatch.LogitsWanted.LAST));
        assertClose(expected[0], second.copyLast(0), 1e-5, name + " seq 0");
        assertClose(expected[2], second.copyLast(1), 1e-5, name + " seq 2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void f16CacheStaysClose(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F32, 13);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(17, 10, config.vocabSize());
        double[][] expected = new ReferenceModel(config, weights.tensors).logits(tokens);
        var cache = ContiguousKvCache.forContext(config, KvCacheType.F16, 16);
        Logits logits = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(tokens, 0, cache)));
        // F16 keeps 11 significant bits (relative rounding 2^-11 ~ 5e-4 per element).
        double err = Models.relativeError(logits.data(), logits.lastOffset(0), expected[tokens.length - 1]);
        assertTrue(err < 1e-2, name + " F16 cache relative error " + err);
    }

    @Test
    void sequenceLongerThanCacheIsRejected() {
        var config = Models.qwen2(true);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F32, 1), Models.POOL);
        var cache = ContiguousKvCache.forContext(config, KvCacheType.F32, 8);
        var e = assertThrows(ContextOverflowException.class, () ->
                model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[10], 0, cache))));
        assertTrue(e.getMessage().contains("10 tokens") && e.getMessage().contains("at most 8"), e.getMessage());
        var bad = assertThrows(InvalidInputException.class, () ->
                model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {300}, 0, cache))));
        assertTrue(bad.getMessage().contains("300"), bad.getMessage());
    }

    static void assertClose(float[] expected, float[] actual, double relTol, String what) {
        assertEquals(expected.length, actual.length);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxDiff <= relTol * maxAbs, what + ": max diff " + maxDiff + " vs max |logit| " + maxAbs);
    }

    @Test
    void identicalRunsAreBitIdentical() {
        var config = Models.qwen3Moe(false);
        var weights = Models.weights(config, TensorType.F32, 21);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(4, 6, 300);
        float[] a = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(tokens, 0, Models.cache(config)))).copyLast(0);
        float[] b = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(tokens, 0, Models.cache(config)))).copyLast(0);
        assertArrayEquals(a, b);
    }
}
