package io.qwen4j.loader.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.InvalidInputException;
import io.qwen4j.model.Architectures;
import io.qwen4j.model.GatedDeltaNetConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The linear-attention part of a hybrid's {@code config.json} (Qwen3.5, Qwen3.5-MoE, Qwen3-Next) and the weight values
 * HF stores differently from GGUF. HF keeps the value heads grouped by key head, so an HF folder runs with
 * {@link GatedDeltaNetConfig.ValueHeadOrder#GROUPED} and no reordering (llama.cpp's converter tiles Qwen3.5's heads
 * for ggml's broadcasting; qwen4j reads either order).
 */
final class HfLinearAttention {

    private HfLinearAttention() {
    }

    /** The linear layers of {@code arch}, or null when it is not a hybrid. */
    static GatedDeltaNetConfig config(JsonNode c, String arch, Path file) {
        if (!Architectures.isHybrid(arch)) {
            return null;
        }
        var keys = new HfConfig.Keys(c, file);
        int keyDim = keys.required("linear_key_head_dim");
        int valueDim = keys.required("linear_value_head_dim");
        if (keyDim != valueDim) {
            throw new InvalidInputException(file + ": linear_key_head_dim " + keyDim + " differs from linear_value_head_dim "
                    + valueDim + " (Qwen's linear attention uses one head size)");
        }
        List<Boolean> linear = new ArrayList<>();
        JsonNode types = c.get("layer_types");
        if (types != null && types.isArray()) {
            for (JsonNode t : types) {
                linear.add(t.asText().equals("linear_attention"));
            }
        }
        return new GatedDeltaNetConfig(keys.required("linear_conv_kernel_dim"), keys.required("linear_num_key_heads"),
                keys.required("linear_num_value_heads"), keyDim, keys.optional("full_attention_interval", 4), linear,
                GatedDeltaNetConfig.ValueHeadOrder.GROUPED);
    }

    /**
     * Whether HF stores GGUF tensor {@code gguf}'s values differently in a hybrid: its RMSNorms (Qwen3_5RMSNorm /
     * Qwen3NextRMSNorm multiply by {@code 1 + weight}; the gated norm of the linear attention, {@code ssm_norm}, by
     * {@code weight}) and {@code A_log}, of which GGUF keeps {@code -exp(A_log)}.
     */
    static boolean transformed(String gguf) {
        return isOnePlusNorm(gguf) || gguf.endsWith(".ssm_a");
    }

    private static boolean isOnePlusNorm(String gguf) {
        return gguf.endsWith("norm.weight") && !gguf.endsWith("ssm_norm.weight");
    }

    /** GGUF's value from HF's {@code x} for a {@link #transformed} tensor. */
    static float transform(String gguf, float x) {
        return isOnePlusNorm(gguf) ? 1 + x : (float) -Math.exp(x);
    }
}
