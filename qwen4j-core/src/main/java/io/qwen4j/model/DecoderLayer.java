package io.qwen4j.model;

/**
 * One transformer block: pre-norm token mixing (attention, or linear attention in a hybrid model) and pre-norm
 * feed-forward, each with a residual connection.
 */
record DecoderLayer(RmsNorm inputNorm, TokenMixer mixer, RmsNorm postAttentionNorm, FeedForward feedForward) {

    static DecoderLayer load(WeightSource source, ModelConfig config, int layer, Attention.Variant variant,
                             FeedForward feedForward) {
        String p = "blk." + layer + ".";
        return new DecoderLayer(
                RmsNorm.load(source, p + "attn_norm.weight", config.hiddenSize(), config.rmsNormEps()),
                Attention.load(source, config, layer, variant),
                RmsNorm.load(source, p + "ffn_norm.weight", config.hiddenSize(), config.rmsNormEps()),
                feedForward);
    }
}
