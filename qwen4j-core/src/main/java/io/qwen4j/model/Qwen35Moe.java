package io.qwen4j.model;

import io.qwen4j.InvalidInputException;

/**
 * Qwen3.5-MoE (HF {@code modeling_qwen3_5_moe.py}, llama.cpp {@code qwen35moe}): {@link Qwen35}'s hybrid layers with
 * the MLP swapped for a sparse mixture of experts ({@link SparseMoe}: softmax router, top-k renormalised) plus the gated
 * {@link SharedExpert}. As in Qwen3-MoE, a layer without a router ({@code ffn_gate_inp}) keeps a dense MLP.
 */
final class Qwen35Moe {

    private Qwen35Moe() {
    }

    /** Shared with {@link Qwen3Next}, whose layers differ only in how the linear attention's tensors are stored. */
    static DecoderWeights load(ModelConfig config, WeightSource source) {
        if (!config.isMixtureOfExperts()) {
            throw new InvalidInputException(config.architecture() + " model declares no experts (expert_count is 0)");
        }
        return Qwen35.load(config, source, l -> source.find("blk." + l + ".ffn_gate_inp.weight").isPresent()
                ? SparseMoe.load(source, config, l) : DenseMlp.load(source, config, l));
    }
}
