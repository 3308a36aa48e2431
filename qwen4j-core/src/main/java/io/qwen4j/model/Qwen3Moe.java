package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen3-MoE (HF {@code modeling_qwen3_moe.py}): Qwen3's attention with the MLP swapped for a sparse mixture
 * of experts ({@link SparseMoe}: softmax router, top-k, renormalised weights). HF allows dense layers among
 * sparse ones ({@code mlp_only_layers}, {@code decoder_sparse_step}); the GGUF says which a layer is by
 * having a router ({@code ffn_gate_inp}) or not, so the choice is made per layer from the file.
 */
final class Qwen3Moe {

    private Qwen3Moe() {
    }

    static DecoderWeights load(ModelConfig config, WeightSource source) {
        return load(config, source, Attention.Variant.QWEN3, true);
    }

    /** The stack of attention ({@code variant}) and per-layer sparse or dense MLPs; shared with {@link Qwen2Moe}. */
    static DecoderWeights load(ModelConfig config, WeightSource source, Attention.Variant variant, boolean normalizeTopK) {
        if (!config.isMixtureOfExperts()) {
            throw new InvalidInputException(config.architecture() + " model declares no experts (expert_count is 0)");
        }
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            boolean sparse = source.find("blk." + l + ".ffn_gate_inp.weight").isPresent();
            FeedForward ffn = sparse ? SparseMoe.load(source, config, l, normalizeTopK) : DenseMlp.load(source, config, l);
            layers.add(DecoderLayer.load(source, config, l, variant, ffn));
        }
        return DecoderWeights.load(source, config, layers);
    }
}
