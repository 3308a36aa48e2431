package io.qwen4j.model;

import io.qwen4j.InvalidInputException;

/**
 * The hyper-parameters of a Qwen decoder, named as in HF {@code config.json}. Built with {@link #builder};
 * {@code tieWordEmbeddings} is derived by the loader from the absence of {@code output.weight}. MoE fields
 * are 0 for dense models; {@code sharedExpertIntermediateSize} sizes the always-on shared expert of the MoE
 * architectures that have one (Qwen2-MoE, Qwen3.5-MoE, Qwen3-Next) and is 0 or ignored for the others. {@code rotaryDim} is how many leading dimensions of a head RoPE rotates (the head
 * dimension unless the model rotates part of it: Qwen3.5, 64 of 256); {@code gatedDeltaNet} is null unless some
 * layers are linear attention.
 */
public record ModelConfig(
        String architecture,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKeyValueHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int contextLength,
        int numExperts,
        int numExpertsUsed,
        int moeIntermediateSize,
        int sharedExpertIntermediateSize,
        boolean tieWordEmbeddings,
        int rotaryDim,
        GatedDeltaNetConfig gatedDeltaNet) {

    public ModelConfig {
        positive("hidden size", hiddenSize);
        positive("layer count", numLayers);
        positive("attention head count", numHeads);
        positive("key/value head count", numKeyValueHeads);
        positive("head dimension", headDim);
        positive("vocabulary size", vocabSize);
        positive("context length", contextLength);
        if (numHeads % numKeyValueHeads != 0) {
            throw new InvalidInputException("attention heads (" + numHeads
                    + ") must be a multiple of key/value heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new InvalidInputException("head dimension must be even for rotary embeddings, got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new InvalidInputException("RMSNorm epsilon must be positive, got " + rmsNormEps);
        }
        if (!(ropeTheta > 1)) {
            throw new InvalidInputException("RoPE base (rope_theta) must be > 1, got " + ropeTheta);
        }
        if (ropeScaling == null) {
            ropeScaling = RopeScaling.NONE;
        }
        if (rotaryDim == 0) {
            rotaryDim = headDim;
        }
        if (rotaryDim < 0 || rotaryDim > headDim || rotaryDim % 2 != 0) {
            throw new InvalidInputException("rotary dimension must be even and at most the head dimension "
                    + headDim + ", got " + rotaryDim);
        }
        if (numExperts < 0 || numExpertsUsed < 0 || moeIntermediateSize < 0 || intermediateSize < 0
                || sharedExpertIntermediateSize < 0) {
            throw new InvalidInputException("negative feed-forward size: intermediate " + intermediateSize
                    + ", experts " + numExperts + ", experts used " + numExpertsUsed + ", expert size " + moeIntermediateSize
                    + ", shared expert size " + sharedExpertIntermediateSize);
        }
        if (numExperts > 0 && (numExpertsUsed < 1 || numExpertsUsed > numExperts)) {
            throw new InvalidInputException("experts used per token (" + numExpertsUsed
                    + ") must be between 1 and the expert count (" + numExperts + ")");
        }
        if (numExperts > 0 && moeIntermediateSize <= 0) {
            throw new InvalidInputException("expert feed-forward length must be positive, got " + moeIntermediateSize);
        }
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new InvalidInputException(what + " must be positive, got " + value);
        }
    }

    public int queryDim() {
        return numHeads * headDim;
    }

    public int keyValueDim() {
        return numKeyValueHeads * headDim;
    }

    /** Query heads that share one key/value head (GQA group size). */
    public int queriesPerKeyValue() {
        return numHeads / numKeyValueHeads;
    }

    /** The shared expert's hidden size: llama.cpp's {@code n_ff_shexp}, which falls back to the feed-forward length. */
    public int sharedExpertSize() {
        return sharedExpertIntermediateSize > 0 ? sharedExpertIntermediateSize : intermediateSize;
    }

    public boolean isMixtureOfExperts() {
        return numExperts > 0;
    }

    /** Whether layer {@code layer} attends over cached keys and values (every layer but a hybrid's linear ones). */
    public boolean keepsKeysAndValues(int layer) {
        return gatedDeltaNet == null || !gatedDeltaNet.isLinear(layer);
    }

    /** How many layers keep keys and values: all, or a hybrid's full-attention layers. */
    public int attentionLayers() {
        int n = 0;
        for (int l = 0; l < numLayers; l++) {
            if (keepsKeysAndValues(l)) {
                n++;
            }
        }
        return n;
    }

    /** Bytes of one sequence's recurrent state over all linear-attention layers (0 without them). */
    public long recurrentStateBytes() {
        return gatedDeltaNet == null ? 0 : (numLayers - attentionLayers()) * gatedDeltaNet.stateBytes();
    }

    /** Whether some layers keep a recurrent state instead of keys and values (linear attention). */
    public boolean isHybrid() {
        return gatedDeltaNet != null;
    }

    public static Builder builder(String architecture) {
        return new Builder(architecture);
    }

    public Builder toBuilder() {
        return new Builder(architecture).hiddenSize(hiddenSize).numLayers(numLayers).numHeads(numHeads)
                .numKeyValueHeads(numKeyValueHeads).headDim(headDim).intermediateSize(intermediateSize)
                .vocabSize(vocabSize).rmsNormEps(rmsNormEps).ropeTheta(ropeTheta).ropeScaling(ropeScaling)
                .contextLength(contextLength).numExperts(numExperts).numExpertsUsed(numExpertsUsed)
                .moeIntermediateSize(moeIntermediateSize).sharedExpertIntermediateSize(sharedExpertIntermediateSize)
                .tieWordEmbeddings(tieWordEmbeddings)
                // a whole-head rotation stays "whole head" (0), so a changed head dimension takes it along
                .rotaryDim(rotaryDim == headDim ? 0 : rotaryDim).gatedDeltaNet(gatedDeltaNet);
    }

    /** Named setters instead of a 16-argument constructor call. */
    public static final class Builder {
        private String architecture;
        private int hiddenSize;
        private int numLayers;
        private int numHeads;
        private int numKeyValueHeads;
        private int headDim;
        private int intermediateSize;
        private int vocabSize;
        private float rmsNormEps = 1e-6f;
        private double ropeTheta = 1_000_000;
        private RopeScaling ropeScaling = RopeScaling.NONE;
        private int contextLength = 4096;
        private int numExperts;
        private int numExpertsUsed;
        private int moeIntermediateSize;
        private int sharedExpertIntermediateSize;
        private boolean tieWordEmbeddings;
        private int rotaryDim;
        private GatedDeltaNetConfig gatedDeltaNet;

        private Builder(String architecture) {
            this.architecture = architecture;
        }

        public Builder architecture(String v) { architecture = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder numLayers(int v) { numLayers = v; return this; }
        public Builder numHeads(int v) { numHeads = v; return this; }
        public Builder numKeyValueHeads(int v) { numKeyValueHeads = v; return this; }
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder rmsNormEps(float v) { rmsNormEps = v; return this; }
        public Builder ropeTheta(double v) { ropeTheta = v; return this; }
        public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder numExperts(int v) { numExperts = v; return this; }
        public Builder numExpertsUsed(int v) { numExpertsUsed = v; return this; }
        public Builder moeIntermediateSize(int v) { moeIntermediateSize = v; return this; }
        public Builder sharedExpertIntermediateSize(int v) { sharedExpertIntermediateSize = v; return this; }
        public Builder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
        /** 0: the head dimension. */
        public Builder rotaryDim(int v) { rotaryDim = v; return this; }
        public Builder gatedDeltaNet(GatedDeltaNetConfig v) { gatedDeltaNet = v; return this; }

        public ModelConfig build() {
            return new ModelConfig(architecture, hiddenSize, numLayers, numHeads, numKeyValueHeads, headDim,
                    intermediateSize, vocabSize, rmsNormEps, ropeTheta, ropeScaling, contextLength, numExperts,
                    numExpertsUsed, moeIntermediateSize, sharedExpertIntermediateSize, tieWordEmbeddings, rotaryDim, gatedDeltaNet);
        }
    }
}
