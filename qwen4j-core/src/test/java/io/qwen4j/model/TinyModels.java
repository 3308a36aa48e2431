package io.qwen4j.model;

import io.qwen4j.tensor.TensorType;

/** Tiny seeded synthetic models for tests outside this package (the serving scheduler's). */
public final class TinyModels {

    private TinyModels() {
    }

    /** A 2-layer Qwen3 (GQA 4/2 heads, head dim 16) with F32 weights, a 300-token vocabulary and this context. */
    public static Model qwen3(long seed, int contextLength) {
        return qwen3(seed, contextLength, 16);
    }

    /** {@link #qwen3(long, int)} with heads of {@code headDim} (32 for the block-quantized KV caches). */
    public static Model qwen3(long seed, int contextLength, int headDim) {
        ModelConfig config = ModelConfig.builder("qwen3").hiddenSize(64).numLayers(2).numHeads(4).numKeyValueHeads(2)
                .headDim(headDim).intermediateSize(96).vocabSize(300).rmsNormEps(1e-6f).ropeTheta(1_000_000)
                .contextLength(contextLength).tieWordEmbeddings(false).build();
        return Architectures.load(config, new SyntheticWeights(config, TensorType.F32, seed), Models.POOL, 64);
    }

    /** {@link Models#qwen35}'s hybrid (linear attention in layers 0 and 2) with F32 weights and this context. */
    public static Model qwen35(long seed, int contextLength) {
        ModelConfig config = Models.qwen35(false).toBuilder().contextLength(contextLength).build();
        return Architectures.load(config, new SyntheticWeights(config, TensorType.F32, seed), Models.POOL, 64);
    }
}
