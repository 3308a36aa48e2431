package io.qwen4j.loader;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.gguf.GgufArray;
import io.qwen4j.gguf.GgufValue;
import io.qwen4j.gguf.GgufValueType;
import io.qwen4j.model.GatedDeltaNetConfig;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.model.RopeScaling;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Vocabulary;
import java.util.Optional;

/**
 * The GGUF metadata llama.cpp's converter ({@code convert_hf_to_gguf.py}) writes for the Qwen architectures:
 * {@code general.*}, the architecture's hyperparameters, the tokenizer ({@code tokenizer.ggml.*}) and the chat
 * template. One piece of code for every GGUF qwen4j writes (synthetic models, {@code convert},
 * {@code quantize}), so that what {@link GgufModelConfig} reads back is what was written.
 */
public final class LlamaCppMetadata {

    public static final String FILE_TYPE = "general.file_type";

    private LlamaCppMetadata() {
    }

    /** {@code general.*}: architecture, type, name, file type (llama_ftype) and quantization version 2. */
    public static void writeGeneral(GgufWriter writer, String architecture, String name, int llamaFileType) {
        writer.putString("general.architecture", architecture);
        writer.putString("general.type", "model");
        writer.putString("general.name", name);
        writer.putUInt32(FILE_TYPE, llamaFileType);
        writer.putUInt32("general.quantization_version", 2);
    }

    /** The {@code <arch>.*} keys of {@code config}. */
    public static void writeHyperparameters(GgufWriter writer, ModelConfig config) {
        writeHyperparameters(writer, config, 0);
    }

    /**
     * The {@code <arch>.*} keys of {@code config} for a file that also holds {@code mtpLayers} multi-token-prediction
     * blocks after the decoder's layers (counted in {@code block_count}, as the converter does).
     */
    public static void writeHyperparameters(GgufWriter writer, ModelConfig config, int mtpLayers) {
        String arch = config.architecture();
        writer.putUInt32(arch + ".block_count", config.numLayers() + mtpLayers);
        if (mtpLayers > 0) {
            writer.putUInt32(arch + ".nextn_predict_layers", mtpLayers);
        }
        writer.putUInt32(arch + ".context_length", config.contextLength());
        writer.putUInt32(arch + ".embedding_length", config.hiddenSize());
        writer.putUInt32(arch + ".feed_forward_length", config.intermediateSize());
        writer.putUInt32(arch + ".attention.head_count", config.numHeads());
        writer.putUInt32(arch + ".attention.head_count_kv", config.numKeyValueHeads());
        writer.putFloat32(arch + ".rope.freq_base", (float) config.ropeTheta());
        writer.putFloat32(arch + ".attention.layer_norm_rms_epsilon", config.rmsNormEps());
        // The converter writes key/value_length when config.json names head_dim, which Qwen3 configs do
        // and Qwen2 configs do not (there it always equals hidden / heads).
        if (!arch.startsWith("qwen2") || config.headDim() != config.hiddenSize() / config.numHeads()) {
            writer.putUInt32(arch + ".attention.key_length", config.headDim());
            writer.putUInt32(arch + ".attention.value_length", config.headDim());
        }
        if (config.isMixtureOfExperts()) {
            writer.putUInt32(arch + ".expert_count", config.numExperts());
            writer.putUInt32(arch + ".expert_used_count", config.numExpertsUsed());
            writer.putUInt32(arch + ".expert_feed_forward_length", config.moeIntermediateSize());
            if (config.sharedExpertIntermediateSize() > 0) {
                writer.putUInt32(arch + ".expert_shared_feed_forward_length", config.sharedExpertIntermediateSize());
            }
        }
        if (config.isHybrid()) {
            // the linear attention's sizes, the rotated share of a head and, for Qwen3.5, its multimodal sections
            // (Qwen3.5's are 11/11/10 of 32 pairs)
            GatedDeltaNetConfig linear = config.gatedDeltaNet();
            writer.putUInt32(arch + ".ssm.conv_kernel", linear.convKernel());
            writer.putUInt32(arch + ".ssm.state_size", linear.headDim());
            writer.putUInt32(arch + ".ssm.group_count", linear.keyHeads());
            writer.putUInt32(arch + ".ssm.time_step_rank", linear.valueHeads());
            writer.putUInt32(arch + ".ssm.inner_size", linear.valueDim());
            writer.putUInt32(arch + ".full_attention_interval", linear.fullAttentionInterval());
            if (!linear.recurrentLayers().isEmpty()) {
                writer.put(arch + ".attention.recurrent_layers",
                        GgufValue.ofArray(new GgufArray(GgufValueType.BOOL, linear.recurrentLayers())));
            }
            writer.putUInt32(arch + ".rope.dimension_count", config.rotaryDim());
            if (arch.startsWith("qwen35")) {
                // llama.cpp's interleaved M-RoPE gives rotary pair s the position of section s mod 3 while s < 3 x that
                // section's count, else a 4th position that is 0 for text: each section must count its pairs
                int pairs = config.rotaryDim() / 2;
                writer.put(arch + ".rope.dimension_sections",
                        GgufValue.ofInt32s((pairs + 2) / 3, (pairs + 1) / 3, pairs / 3, 0));
            }
        }
        if (config.ropeScaling() instanceof RopeScaling.Yarn yarn) {
            writer.putString(arch + ".rope.scaling.type", "yarn");
            writer.putFloat32(arch + ".rope.scaling.factor", (float) yarn.factor());
            writer.putUInt32(arch + ".rope.scaling.original_context_length", yarn.originalContextLength());
        }
    }

    /** {@code tokenizer.ggml.*} and, when there is one, {@code tokenizer.chat_template}. */
    public static void writeTokenizer(GgufWriter writer, Vocabulary vocabulary, Optional<ChatTemplate> template) {
        GgufVocabulary.write(writer, vocabulary);
        template.ifPresent(t -> writer.putString(GgufChatTemplates.TEMPLATE, t.source()));
    }

    /** {@code general.sampling.*}: the model's recommended sampling (read back by {@link ModelLoader}). */
    public static void writeSampling(GgufWriter writer, SamplingParams params) {
        writer.putFloat32("general.sampling.temp", (float) params.temperature());
        writer.putInt32("general.sampling.top_k", params.topK());
        writer.putFloat32("general.sampling.top_p", (float) params.topP());
    }

    /** llama.cpp's {@code llama_ftype} for a file whose matrices are mostly {@code type}. */
    public static int fileType(TensorType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 12;
            case Q4_K -> 14; // Q4_K_S; the _M mix is 15
            case Q5_K -> 16; // Q5_K_S; the _M mix is 17
            case Q6_K -> 18;
            case IQ2_XXS -> 19;
            case IQ2_XS -> 20;
            case IQ3_XXS -> 23;
            case IQ1_S -> 24;
            case IQ4_NL -> 25;
            case IQ3_S -> 26;
            case IQ2_S -> 28;
            case IQ4_XS -> 30;
            case IQ1_M -> 31;
            case BF16 -> 32;
            case MXFP4 -> 38; // MXFP4_MOE: experts MXFP4, the other matrices Q8_0
        };
    }
}
