package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen3 dense (HF {@code modeling_qwen3.py}): Qwen2's layer without q/k/v biases, with a per-head RMSNorm
 * on queries and keys before RoPE ({@code q_norm}, {@code k_norm}, weights of {@code headDim}). The head
 * dimension is its own hyper-parameter (0.6B: 16 heads of 128 over a hidden size of 1024).
 * <pre>
 *   q = rope(q_norm(q_proj(n)))   k = rope(k_norm(k_proj(n)))   v = v_proj(n)      n = rmsnorm(x)
 *   h = x + o_proj(softmax(q k^T / sqrt(headDim) + causal) v)
 *   y = h + down_proj(silu(gate_proj(m)) * up_proj(m))                              m = rmsnorm(h)
 * </pre>
 */
final class Qwen3 {

    private Qwen3() {
    }

    static DecoderWeights load(ModelConfig config, WeightSource source) {
        if (config.isMixtureOfExperts()) {
            throw new InvalidInputException("qwen3 is a dense architecture, but the model declares "
                    + config.numExperts() + " experts (use qwen3moe)");
        }
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            layers.add(DecoderLayer.load(source, config, l, Attention.Variant.QWEN3, DenseMlp.load(source, config, l)));
        }
        return DecoderWeights.load(source, config, layers);
    }
}
