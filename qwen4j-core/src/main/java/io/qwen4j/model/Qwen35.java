package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Qwen3.5 dense (HF {@code modeling_qwen3_5.py}, llama.cpp {@code qwen35}): a hybrid of linear attention
 * ({@link GatedDeltaNet}) in three of every four layers and Qwen3's attention with an output gate
 * ({@link Attention.Variant#QWEN35}) in the fourth, RoPE on the first {@code rotaryDim} dimensions of each head (for
 * text, the interleaved multimodal RoPE with equal positions is this), and a SwiGLU MLP after a norm that GGUF names
 * {@code post_attention_norm}. The converter stores the norms' {@code 1 + weight}, so every norm here is a plain RMSNorm.
 */
final class Qwen35 {

    private Qwen35() {
    }

    static DecoderWeights load(ModelConfig config, WeightSource source) {
        if (config.isMixtureOfExperts()) {
            throw new InvalidInputException("qwen35 is a dense architecture, but the model declares "
                    + config.numExperts() + " experts");
        }
        return load(config, source, l -> DenseMlp.load(source, config, l));
    }

    /** The hybrid stack with {@code feedForward} as each layer's MLP (the MoE variants swap it). */
    static DecoderWeights load(ModelConfig config, WeightSource source, IntFunction<FeedForward> feedForward) {
        GatedDeltaNetConfig linear = config.gatedDeltaNet();
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "blk." + l + ".";
            TokenMixer mixer = linear.isLinear(l)
                    ? GatedDeltaNet.load(source, config, l)
                    : Attention.load(source, config, l, Attention.Variant.QWEN35);
            layers.add(new DecoderLayer(
                    RmsNorm.load(source, p + "attn_norm.weight", config.hiddenSize(), config.rmsNormEps()),
                    mixer,
                    RmsNorm.load(source, p + "post_attention_norm.weight", config.hiddenSize(), config.rmsNormEps()),
                    feedForward.apply(l)));
        }
        return DecoderWeights.load(source, config, layers);
    }
}
