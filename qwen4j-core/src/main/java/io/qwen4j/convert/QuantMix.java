package io.qwen4j.convert;

import io.qwen4j.tensor.TensorType;

/**
 * Which type each tensor gets, following llama.cpp ({@code llama_tensor_get_type} in {@code llama-quant.cpp},
 * and {@code convert_hf_to_gguf.py} for F16/BF16) for the targets qwen4j writes:
 * <ul>
 *   <li>1-D tensors (norms, biases), the MoE router ({@code ffn_gate_inp}) and a hybrid model's convolution taps
 *       ({@code ssm_conv1d}, which llama.cpp's {@code ssm_conv} reads only as F32) stay F32;</li>
 *   <li>F32/F16/BF16 targets: every matrix in that type;</li>
 *   <li>MXFP4_MOE: the experts' 3-D tensors ({@code ffn_*_exps}) MXFP4, every other matrix Q8_0, the output and
 *       embeddings included;</li>
 *   <li>quantized targets: {@code output.weight} (or {@code token_embd.weight} when the output is tied to it)
 *       gets Q6_K unless the target is Q8_0, or Q8_0 when its rows are not whole blocks of the target;</li>
 *   <li>Q4_K_M / Q5_K_M: {@code attn_v} and {@code ffn_down} (also {@code ffn_down_exps}) of the layers
 *       {@link #useMoreBits} picks get Q6_K;</li>
 *   <li>IQ4_NL / IQ4_XS (llama.cpp's choices without an importance matrix): {@code attn_v} Q5_K when at least
 *       four query heads share a KV head, {@code ffn_down} (also {@code ffn_down_exps}) of the first eighth of
 *       the layers Q5_K;</li>
 *   <li>models with exactly 8 experts: {@code attn_v} and {@code attn_k} Q8_0, and under Q4_K_M, IQ4_NL and
 *       IQ4_XS {@code attn_output} Q5_K;</li>
 *   <li>last, a type whose block does not divide the row falls back: Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0,
 *       Q2_K/Q3_K/IQ4_XS→IQ4_NL, and F16 when even that does not fit.</li>
 * </ul>
 */
public record QuantMix(GgufTarget target, int layers, int experts, int queryHeadsPerKvHead, boolean hasOutput) {

    /** The type for tensor {@code name} whose shape is {@code shape} (ggml order). */
    public TensorType typeFor(String name, long[] shape) {
        if (dimensions(shape) < 2 || !name.endsWith(".weight") || name.contains("ffn_gate_inp") || name.contains("ssm_conv1d")) {
            return TensorType.F32;
        }
        if (!target.isQuantized()) {
            return target.baseType;
        }
        if (target == GgufTarget.MXFP4_MOE) {
            return rowFallback(shape.length > 2 && shape[2] > 1 ? TensorType.MXFP4 : TensorType.Q8_0, shape[0]);
        }
        return rowFallback(mixed(name, shape[0]), shape[0]);
    }

    /**
     * ggml's {@code ggml_n_dims}: trailing sizes of 1 do not count, so a one-row matrix (a sequence-classification
     * head, {@code [n_embd, 1]}) stays F32 as llama-quantize leaves it.
     */
    private static int dimensions(long[] shape) {
        int n = shape.length;
        while (n > 1 && shape[n - 1] == 1) {
            n--;
        }
        return n;
    }

    private TensorType mixed(String name, long rowLength) {
        TensorType base = target.baseType;
        boolean kM = target == GgufTarget.Q4_K_M || target == GgufTarget.Q5_K_M;
        boolean iq4 = target == GgufTarget.IQ4_NL || target == GgufTarget.IQ4_XS;
        if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
            if (rowLength % base.blockSize != 0) {
                return TensorType.Q8_0;
            }
            return base == TensorType.Q8_0 ? base : TensorType.Q6_K;
        }
        int layer = layerOf(name);
        if (name.endsWith("attn_v.weight")) {
            TensorType t = kM && useMoreBits(layer, layers) ? TensorType.Q6_K
                    : iq4 && queryHeadsPerKvHead >= 4 ? TensorType.Q5_K : base;
            return experts == 8 ? TensorType.Q8_0 : t;
        }
        if (name.endsWith("attn_k.weight")) {
            return experts == 8 ? TensorType.Q8_0 : base;
        }
        if (name.contains("ffn_down")) {
            return kM && useMoreBits(layer, layers) ? TensorType.Q6_K
                    : iq4 && layer < layers / 8 ? TensorType.Q5_K : base;
        }
        if (name.endsWith("attn_output.weight") && experts == 8 && (target == GgufTarget.Q4_K_M || iq4)) {
            return TensorType.Q5_K;
        }
        return base;
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third between. */
    public static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** llama.cpp's replacement when {@code type}'s block does not divide a row of {@code rowLength}. */
    public static TensorType rowFallback(TensorType type, long rowLength) {
        if (rowLength % type.blockSize == 0) {
            return type;
        }
        TensorType fallback = switch (type) {
            case Q4_K -> TensorType.Q5_0;
            case Q5_K -> TensorType.Q5_1;
            case Q6_K -> TensorType.Q8_0;
            case Q2_K, Q3_K, IQ4_XS, IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S -> TensorType.IQ4_NL;
            default -> TensorType.F16;
        };
        return rowLength % fallback.blockSize == 0 ? fallback : TensorType.F16;
    }

    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        return Integer.parseInt(name.substring(4, name.indexOf('.', 4)));
    }
}
