package io.qwen4j.loader.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.JsonErrors;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.model.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An HF {@code config.json} read into the engine's {@link ModelConfig}, with HF's defaults for absent keys,
 * plus the FP8 block quantization it may announce ({@code quantization_config}).
 *
 * @param fp8 present when weights are {@code float8_e4m3fn} with block scales ({@code quant_method: fp8})
 */
public record HfConfig(ModelConfig model, Optional<Fp8Blocks> fp8, Path file) {

    /** {@code weight_block_size}: one scale per {@code rows x cols} block of a weight (HF order [out, in]). */
    public record Fp8Blocks(int rows, int cols) {
        public Fp8Blocks {
            if (rows <= 0 || cols <= 0) {
                throw new InvalidInputException("FP8 weight_block_size must be positive, got [" + rows + ", " + cols + "]");
            }
        }
    }

    /** HF {@code model_type} to GGUF {@code general.architecture}. */
    static final Map<String, String> ARCHITECTURES = Map.of(
            "qwen2", "qwen2",
            "qwen2_moe", "qwen2moe",
            "qwen3", "qwen3",
            "qwen3_moe", "qwen3moe",
            "qwen3_5", "qwen35",
            "qwen3_5_text", "qwen35",
            "qwen3_5_moe", "qwen35moe",
            "qwen3_5_moe_text", "qwen35moe",
            "qwen3_next", "qwen3next");

    private static final ObjectMapper JSON = new ObjectMapper();

    public static HfConfig read(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(dir + " has no config.json: not a Hugging Face model folder");
        } catch (JacksonException e) {
            throw new InvalidInputException(file + " is not valid JSON: " + JsonErrors.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException(file + " is not a JSON object");
        }
        return parse(root, file);
    }

    static HfConfig parse(JsonNode root, Path file) {
        String modelType = root.path("model_type").asText("");
        // Qwen3.5's checkpoints are vision-language (Qwen3_5ForConditionalGeneration): the text model's keys sit
        // under text_config, the quantization config stays at the top
        JsonNode c = root.has("text_config") && root.get("text_config").isObject() ? root.get("text_config") : root;
        var keys = new Keys(c, file);
        String arch = ARCHITECTURES.get(modelType);
        if (arch == null) {
            throw new InvalidInputException(file + ": unknown model_type '" + modelType + "' (supported: "
                    + String.join(", ", new TreeSet<>(ARCHITECTURES.keySet())) + ")");
        }
        int hidden = keys.required("hidden_size");
        int heads = keys.required("num_attention_heads");
        if (heads <= 0) {
            throw new InvalidInputException(file + ": num_attention_heads must be positive, got " + heads);
        }
        boolean moe = arch.equals("qwen2moe") || arch.equals("qwen3moe") || arch.equals("qwen35moe") || arch.equals("qwen3next");
        // GGUF has no key for norm_topk_prob: llama.cpp fixes it per architecture (Qwen2-MoE false, the others true)
        boolean renormalises = !arch.equals("qwen2moe");
        if (moe && c.has("norm_topk_prob") && c.get("norm_topk_prob").asBoolean() != renormalises) {
            throw new InvalidInputException(file + ": norm_topk_prob = " + c.get("norm_topk_prob").asBoolean()
                    + " is not supported (" + modelType + " models " + (renormalises ? "renormalise" : "keep")
                    + " the top-k router weights)");
        }
        // Qwen3.5 moved rope_theta, the rotated share and the scaling into rope_parameters
        JsonNode ropeParameters = c.get("rope_parameters");
        var rope = ropeParameters != null && ropeParameters.isObject() ? new Keys(ropeParameters, file) : keys;
        int headDim = keys.optional("head_dim", hidden / heads);
        double rotated = keys.number("partial_rotary_factor", rope.number("partial_rotary_factor", 1.0));
        ModelConfig model = ModelConfig.builder(arch)
                .hiddenSize(hidden)
                .numLayers(keys.required("num_hidden_layers"))
                .numHeads(heads)
                .numKeyValueHeads(keys.optional("num_key_value_heads", heads))
                .headDim(headDim)
                .rotaryDim((int) Math.round(headDim * rotated))
                .intermediateSize(keys.optional("intermediate_size", 0))
                .vocabSize(keys.required("vocab_size"))
                .rmsNormEps((float) keys.number("rms_norm_eps", 1e-6))
                .ropeTheta(keys.number("rope_theta", rope.number("rope_theta", 10_000)))
                .ropeScaling(ropeScaling(c.has("rope_scaling") ? c.get("rope_scaling") : ropeParameters, file))
                .contextLength(keys.optional("max_position_embeddings", 32_768))
                .numExperts(moe ? keys.required("num_experts") : 0)
                .numExpertsUsed(moe ? keys.required("num_experts_per_tok") : 0)
                .moeIntermediateSize(moe ? keys.required("moe_intermediate_size") : 0)
                .sharedExpertIntermediateSize(keys.optional("shared_expert_intermediate_size", 0))
                .tieWordEmbeddings(c.path("tie_word_embeddings").asBoolean(root.path("tie_word_embeddings").asBoolean(false)))
                .gatedDeltaNet(HfLinearAttention.config(c, arch, file))
                .build();
        return new HfConfig(model, fp8(root.has("quantization_config") ? root.get("quantization_config")
                : c.get("quantization_config"), file), file);
    }

    private static RopeScaling ropeScaling(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return RopeScaling.NONE;
        }
        String type = node.has("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("default");
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "default", "none" -> RopeScaling.NONE;
            case "yarn" -> {
                var keys = new Keys(node, file);
                yield new RopeScaling.Yarn(keys.number("factor", Double.NaN),
                        keys.required("original_max_position_embeddings"),
                        keys.number("beta_fast", 32), keys.number("beta_slow", 1));
            }
            default -> throw new InvalidInputException(file + ": unsupported rope_scaling type '" + type
                    + "' (supported: yarn)");
        };
    }

    private static Optional<Fp8Blocks> fp8(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        String method = node.path("quant_method").asText("");
        if (!method.equals("fp8")) {
            throw new InvalidInputException(file + ": unsupported quantization_config.quant_method '" + method
                    + "' (supported: fp8)");
        }
        JsonNode block = node.get("weight_block_size");
        if (block == null || block.isNull()) {
            // Per-tensor FP8 (one scale per weight) is the 1-block case of the same arithmetic.
            return Optional.of(new Fp8Blocks(Integer.MAX_VALUE, Integer.MAX_VALUE));
        }
        if (!block.isArray() || block.size() != 2 || !block.get(0).isIntegralNumber() || !block.get(1).isIntegralNumber()) {
            throw new InvalidInputException(file + ": quantization_config.weight_block_size must be [rows, cols], got " + block);
        }
        return Optional.of(new Fp8Blocks(block.get(0).asInt(), block.get(1).asInt()));
    }

    /** Typed reads of config keys whose errors name the file and the key. */
    record Keys(JsonNode node, Path file) {
        int required(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                throw new InvalidInputException(file + ": missing '" + key + "'");
            }
            return integer(key, v);
        }

        int optional(String key, int fallback) {
            JsonNode v = node.get(key);
            return v == null || v.isNull() ? fallback : integer(key, v);
        }

        double number(String key, double fallback) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                if (Double.isNaN(fallback)) {
                    throw new InvalidInputException(file + ": missing '" + key + "'");
                }
                return fallback;
            }
            if (!v.isNumber()) {
                throw new InvalidInputException(file + ": '" + key + "' must be a number, got " + v);
            }
            return v.asDouble();
        }

        private int integer(String key, JsonNode v) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new InvalidInputException(file + ": '" + key + "' must be an integer, got " + v);
            }
            return v.asInt();
        }
    }
}
