package io.qwen4j.loader;

import static io.qwen4j.model.GgufKeys.*;

import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.model.Architectures;
import io.qwen4j.model.GatedDeltaNetConfig;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.model.RopeScaling;
import io.qwen4j.model.WeightSource;
import io.qwen4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a {@link ModelConfig} from GGUF metadata with llama.cpp's keys and defaults. */
public final class GgufModelConfig {

    private GgufModelConfig() {
    }

    public static ModelConfig read(GgufMetadata metadata, WeightSource weights) {
        if (!metadata.contains(ARCHITECTURE)) {
            throw new InvalidInputException("the model has no '" + ARCHITECTURE + "' metadata key: not a model file?");
        }
        String arch = metadata.getString(ARCHITECTURE);
        Architectures.requireSupported(arch); // before reading keys under an unknown prefix
        int hidden = metadata.getInt(key(arch, EMBEDDING_LENGTH));
        int heads = metadata.getInt(key(arch, HEAD_COUNT));
        if (heads <= 0) {
            throw new InvalidInputException(key(arch, HEAD_COUNT) + " must be positive, got " + heads);
        }
        int kvHeads = metadata.getInt(key(arch, HEAD_COUNT_KV), heads);
        // llama.cpp: n_embd_head_k defaults to n_embd / n_head when the file has no key_length.
        int headDim = metadata.getInt(key(arch, KEY_LENGTH), hidden / heads);
        int valueDim = metadata.getInt(key(arch, VALUE_LENGTH), headDim);
        if (valueDim != headDim) {
            throw new InvalidInputException(key(arch, VALUE_LENGTH) + " = " + valueDim + " differs from "
                    + key(arch, KEY_LENGTH) + " = " + headDim + "; Qwen models use one head size");
        }
        Tensor embedding = weights.tensor("token_embd.weight");
        int vocab = metadata.getInt(key(arch, VOCAB_SIZE), Math.toIntExact(embedding.shape().length > 1 ? embedding.shape()[1] : 0));
        return ModelConfig.builder(arch)
                .hiddenSize(hidden)
                .numLayers(decoderLayers(metadata, arch))
                .numHeads(heads)
                .numKeyValueHeads(kvHeads)
                .headDim(headDim)
                .intermediateSize(metadata.getInt(key(arch, FEED_FORWARD_LENGTH), 0))
                .vocabSize(vocab)
                .rmsNormEps(metadata.getFloat(key(arch, RMS_EPSILON)))
                .ropeTheta(metadata.getFloat(key(arch, ROPE_FREQ_BASE), 10_000f))
                .ropeScaling(ropeScaling(metadata, arch))
                .contextLength(metadata.getInt(key(arch, CONTEXT_LENGTH)))
                .numExperts(metadata.getInt(key(arch, EXPERT_COUNT), 0))
                .numExpertsUsed(metadata.getInt(key(arch, EXPERT_USED_COUNT), 0))
                .moeIntermediateSize(metadata.getInt(key(arch, EXPERT_FEED_FORWARD_LENGTH), 0))
                .sharedExpertIntermediateSize(metadata.getInt(key(arch, EXPERT_SHARED_FEED_FORWARD_LENGTH), 0))
                .tieWordEmbeddings(Architectures.tiesWordEmbeddings(weights))
                .rotaryDim(metadata.getInt(key(arch, ROPE_DIMENSION_COUNT), headDim))
                .gatedDeltaNet(gatedDeltaNet(metadata, arch))
                .build();
    }

    /** block_count without the multi-token-prediction blocks stored after the decoder's layers (not used here). */
    private static int decoderLayers(GgufMetadata metadata, String arch) {
        int blocks = metadata.getInt(key(arch, BLOCK_COUNT));
        int nextn = metadata.getInt(key(arch, NEXTN_PREDICT_LAYERS), 0);
        if (nextn < 0 || nextn >= blocks) {
            throw new InvalidInputException(key(arch, NEXTN_PREDICT_LAYERS) + " = " + nextn + " must be in [0, "
                    + key(arch, BLOCK_COUNT) + " = " + blocks + ")");
        }
        return blocks - nextn;
    }

    /** The linear-attention sizes of a hybrid architecture's model (null for the others), as llama.cpp reads them. */
    private static GatedDeltaNetConfig gatedDeltaNet(GgufMetadata metadata, String arch) {
        if (!Architectures.isHybrid(arch)) {
            return null;
        }
        if (!metadata.contains(key(arch, SSM_STATE_SIZE))) {
            throw new InvalidInputException("the " + arch + " model has no '" + key(arch, SSM_STATE_SIZE)
                    + "' metadata key (its linear attention layers need it)");
        }
        int stateSize = metadata.getInt(key(arch, SSM_STATE_SIZE));
        int valueHeads = metadata.getInt(key(arch, SSM_TIME_STEP_RANK));
        int inner = metadata.getInt(key(arch, SSM_INNER_SIZE));
        if (inner != stateSize * valueHeads) {
            throw new InvalidInputException(key(arch, SSM_INNER_SIZE) + " = " + inner + " is not "
                    + key(arch, SSM_STATE_SIZE) + " x " + key(arch, SSM_TIME_STEP_RANK) + " = " + stateSize * valueHeads);
        }
        List<Boolean> recurrent = new ArrayList<>();
        if (metadata.contains(key(arch, RECURRENT_LAYERS))) {
            for (boolean linear : metadata.getBooleanArray(key(arch, RECURRENT_LAYERS))) {
                recurrent.add(linear);
            }
        }
        return new GatedDeltaNetConfig(metadata.getInt(key(arch, SSM_CONV_KERNEL)), metadata.getInt(key(arch, SSM_GROUP_COUNT)),
                valueHeads, stateSize, metadata.getInt(key(arch, FULL_ATTENTION_INTERVAL), 4), recurrent,
                Architectures.valueHeadOrder(arch));
    }

    private static RopeScaling ropeScaling(GgufMetadata metadata, String arch) {
        String type = metadata.findString(key(arch, ROPE_SCALING_TYPE)).orElse("none").toLowerCase(Locale.ROOT);
        return switch (type) {
            case "none" -> RopeScaling.NONE;
            case "yarn" -> new RopeScaling.Yarn(metadata.getFloat(key(arch, ROPE_SCALING_FACTOR)),
                    metadata.getInt(key(arch, ROPE_SCALING_ORIGINAL_CONTEXT)));
            default -> throw new InvalidInputException("unsupported " + key(arch, ROPE_SCALING_TYPE) + " '" + type
                    + "' (supported: none, yarn)");
        };
    }
}
