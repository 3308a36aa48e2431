package io.qwen4j.model;

/**
 * Qwen2-MoE / Qwen1.5-MoE (HF {@code modeling_qwen2_moe.py}, llama.cpp {@code qwen2moe}): {@link Qwen2}'s attention with
 * q/k/v biases and a sparse mixture of experts whose top-k softmax weights are not renormalised
 * ({@code norm_topk_prob = false}, as llama.cpp fixes it for this architecture) plus the gated {@link SharedExpert}.
 * Layers without a router keep a dense MLP, as in {@link Qwen3Moe}, whose loader this shares.
 */
final class Qwen2Moe {

    private Qwen2Moe() {
    }

    static DecoderWeights load(ModelConfig config, WeightSource source) {
        return Qwen3Moe.load(config, source, Attention.Variant.QWEN2, false);
    }
}
