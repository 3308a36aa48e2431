package io.qwen4j.model;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.tensor.TensorType;

/** Small test configurations of every architecture and helpers to run them. */
final class Models {

    static final ComputePool POOL = new ComputePool(2);

    private Models() {
    }

    static ModelConfig qwen2(boolean tied) {
        return ModelConfig.builder("qwen2").hiddenSize(64).numLayers(2).numHeads(4).numKeyValueHeads(2).headDim(16)
                .intermediateSize(96).vocabSize(300).rmsNormEps(1e-6f).ropeTheta(10000).contextLength(64)
                .tieWordEmbeddings(tied).build();
    }

    /** headDim 24 != hidden / heads, as in Qwen3 (128 with 1024 / 16). */
    static ModelConfig qwen3(boolean tied, RopeScaling scaling) {
        return ModelConfig.builder("qwen3").hiddenSize(64).numLayers(3).numHeads(4).numKeyValueHeads(2).headDim(24)
                .intermediateSize(80).vocabSize(300).rmsNormEps(1e-6f).ropeTheta(1_000_000).ropeScaling(scaling)
                .contextLength(64).tieWordEmbeddings(tied).build();
    }

    static ModelConfig qwen3Moe(boolean tied) {
        return ModelConfig.builder("qwen3moe").hiddenSize(64).numLayers(2).numHeads(4).numKeyValueHeads(1).headDim(16)
                .intermediateSize(48).numExperts(8).numExpertsUsed(2).moeIntermediateSize(32).vocabSize(300)
                .rmsNormEps(1e-6f).ropeTheta(1_000_000).contextLength(64).tieWordEmbeddings(tied).build();
    }

    /**
     * Qwen3.5-shaped hybrid: layers 0 and 2 linear attention (4 value heads over 2 key heads, so the key head
     * mapping matters), 1 and 3 gated full attention rotating half of each head.
     */
    static ModelConfig qwen35(boolean tied) {
        return ModelConfig.builder("qwen35").hiddenSize(64).numLayers(4).numHeads(4).numKeyValueHeads(2).headDim(16)
                .rotaryDim(8).intermediateSize(96).vocabSize(300).rmsNormEps(1e-6f).ropeTheta(10_000_000)
                .contextLength(64).tieWordEmbeddings(tied).gatedDeltaNet(new GatedDeltaNetConfig(4, 2, 4, 16, 2)).build();
    }

    /** Qwen2-MoE: Qwen2's biased attention, 8 experts (top 2, not renormalised) and a shared expert of 40. */
    static ModelConfig qwen2Moe(boolean tied) {
        return qwen3Moe(tied).toBuilder().architecture("qwen2moe").numKeyValueHeads(2).sharedExpertIntermediateSize(40)
                .build();
    }

    /** {@link #qwen35}'s hybrid with 8 experts (top 2) and a shared expert of 40; layer 1 is dense ({@link #weights}). */
    static ModelConfig qwen35Moe(boolean tied) {
        return qwen35(tied).toBuilder().architecture("qwen35moe").numExperts(8).numExpertsUsed(2).moeIntermediateSize(32)
                .sharedExpertIntermediateSize(40).build();
    }

    /**
     * Qwen3-Next: {@link #qwen35Moe}'s shapes with HF's value-head order, fused beta/alpha, and layer 0 in the older
     * interleaved {@code ssm_in} layout ({@link SyntheticWeights}).
     */
    static ModelConfig qwen3Next(boolean tied) {
        ModelConfig moe = qwen35Moe(tied);
        return moe.toBuilder().architecture("qwen3next")
                .gatedDeltaNet(moe.gatedDeltaNet().withValueHeadOrder(GatedDeltaNetConfig.ValueHeadOrder.GROUPED)).build();
    }

    static SyntheticWeights weights(ModelConfig config, TensorType type, long seed) {
        // Layer 1 of a MoE model is dense, as HF's mlp_only_layers allows.
        return config.isMixtureOfExperts() ? new SyntheticWeights(config, type, seed, 1)
                : new SyntheticWeights(config, type, seed);
    }

    static ContiguousKvCache cache(ModelConfig config) {
        return ContiguousKvCache.forContext(config, KvCacheType.F32, config.contextLength());
    }

    static int[] tokens(long seed, int n, int vocab) {
        var r = new java.util.Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }

    /** max |a - b| over a row, relative to max |b|. */
    static double relativeError(float[] data, int offset, double[] expected) {
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(data[offset + i] - expected[i]));
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        return maxDiff / maxAbs;
    }
}
