package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen2 / Qwen2.5 (HF {@code modeling_qwen2.py}). Per layer:
 * <pre>
 *   h = x + o_proj(attention(rope(q_proj(n) + bq), rope(k_proj(n) + bk), v_proj(n) + bv))   n = rmsnorm(x)
 *   y = h + down_proj(silu(gate_proj(m)) * up_proj(m))                                      m = rmsnorm(h)
 * </pre>
 * then a final RMSNorm and the LM head (tied to the embedding in the small models). GGUF stores q/k as HF
 * does (no permutation): RoPE rotates pairs {@code (i, i + headDim/2)}.
 */
final class Qwen2 {

    private Qwen2() {
    }

    static DecoderWeights load(ModelConfig config, WeightSource source) {
        if (config.isMixtureOfExperts()) {
            throw new InvalidInputException("qwen2 is a dense architecture, but the model declares "
                    + config.numExperts() + " experts");
        }
        List<DecoderLayer> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            layers.add(DecoderLayer.load(source, config, l, Attention.Variant.QWEN2, DenseMlp.load(source, config, l)));
        }
        return DecoderWeights.load(source, config, layers);
    }
}
