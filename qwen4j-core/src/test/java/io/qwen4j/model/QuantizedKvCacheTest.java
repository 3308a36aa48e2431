package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.KvStorageReference;
import io.qwen4j.tensor.TensorType;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every KV cache type inside a model: a prompt and then two decode steps, whose attention reads keys and values that
 * earlier passes stored, against the double-precision reference whose attention reads each position's keys and values
 * as the cache of that type keeps them ({@link KvStorageReference}: rounded to float, then quantized and dequantized by
 * the format's scalar reference). Heads of 32 and 128 (one and four blocks), plain, GQA, MoE and hybrid layers.
 */
class QuantizedKvCacheTest {

    /**
     * Relative to the largest logit. The engine's keys differ from the reference's by float rounding, so now and then an
     * element sits on a rounding boundary of its storage and the two keep neighbouring values. Measured: at most 2e-5
     * for the block types and F16, 1.3e-4 for BF16 (whose step is 2^-8 of an element); dropping the rounding from the
     * reference gives ~1e-2 with Q4_0 (asserted below, so the rounding modelled is the one that happens).
     */
    private static final double TOLERANCE = 3e-4;

    static Stream<Arguments> cases() {
        var configs = Stream.of(
                Models.qwen3(false, new RopeScaling.Yarn(4, 32768)).toBuilder().headDim(128).build(),
                Models.qwen2(true).toBuilder().headDim(32).build(),
                Models.qwen3Moe(false).toBuilder().headDim(32).build(),
                Models.qwen35(true).toBuilder().headDim(32).build());
        return configs.flatMap(config -> Arrays.stream(KvCacheType.values())
                .map(type -> Arguments.of(config.architecture() + " headDim " + config.headDim() + " " + type.label(), config, type)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logitsMatchAReferenceThatRoundsAsTheCacheStores(String name, ModelConfig config, KvCacheType type) {
        var weights = Models.weights(config, TensorType.F32, 21);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(23, 12, config.vocabSize());
        var cache = ContiguousKvCache.forContext(config, type, 16);
        model.forward(ForwardBatch.of(new ForwardBatch.Sequence(Arrays.copyOf(tokens, 10), 0, cache)));
        model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {tokens[10]}, 10, cache)));
        Logits last = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {tokens[11]}, 11, cache)));

        int headDim = config.headDim();
        double[] expected = new ReferenceModel(config, weights.tensors)
                .keepingInCache(row -> KvStorageReference.stored(type, row, headDim)).logits(tokens)[11];
        double err = Models.relativeError(last.data(), last.lastOffset(0), expected);
        assertTrue(err < TOLERANCE, name + ": relative error " + err);
        if (type == KvCacheType.Q4_0) {
            double[] unrounded = new ReferenceModel(config, weights.tensors).logits(tokens)[11];
            double loss = Models.relativeError(last.data(), last.lastOffset(0), unrounded);
            assertTrue(loss > 10 * TOLERANCE, name + ": a Q4_0 cache should move the logits visibly, moved " + loss);
        }
    }
}
