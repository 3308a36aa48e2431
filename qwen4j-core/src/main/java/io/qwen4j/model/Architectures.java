package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.ComputePool;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

/** The registry of supported architectures (GGUF {@code general.architecture}): one line per family. */
public final class Architectures {

    /** Default slice of a prefill run as one batched pass (activation buffers are sized for it). */
    public static final int DEFAULT_MAX_BATCH_TOKENS = 256;

    private static final Map<String, BiFunction<ModelConfig, WeightSource, DecoderWeights>> LOADERS = Map.of(
            "qwen2", Qwen2::load,
            "qwen2moe", Qwen2Moe::load,
            "qwen3", Qwen3::load,
            "qwen3moe", Qwen3Moe::load,
            "qwen35", Qwen35::load,
            "qwen35moe", Qwen35Moe::load,
            "qwen3next", Qwen3Next::load);

    /**
     * Architectures with linear-attention layers (a recurrent state per sequence, {@link ModelConfig#gatedDeltaNet}),
     * with the order their converter gives the value heads.
     */
    private static final Map<String, GatedDeltaNetConfig.ValueHeadOrder> HYBRID = Map.of(
            "qwen35", GatedDeltaNetConfig.ValueHeadOrder.TILED,
            "qwen35moe", GatedDeltaNetConfig.ValueHeadOrder.TILED,
            "qwen3next", GatedDeltaNetConfig.ValueHeadOrder.GROUPED);

    private Architectures() {
    }

    /** llama.cpp's convention: a model without {@code output.weight} reuses the token embedding as LM head. */
    public static boolean tiesWordEmbeddings(WeightSource weights) {
        return weights.find("output.weight").isEmpty();
    }

    public static boolean isHybrid(String architecture) {
        return HYBRID.containsKey(architecture);
    }

    /** How a hybrid architecture's files order the linear attention's value heads. */
    public static GatedDeltaNetConfig.ValueHeadOrder valueHeadOrder(String hybridArchitecture) {
        return HYBRID.get(hybridArchitecture);
    }

    public static boolean isSupported(String architecture) {
        return LOADERS.containsKey(architecture);
    }

    /** Fails with an error naming {@code architecture} and the supported ones unless it is supported. */
    public static void requireSupported(String architecture) {
        if (!isSupported(architecture)) {
            throw new InvalidInputException("unsupported model architecture '" + architecture
                    + "' (supported: " + String.join(", ", new TreeSet<>(LOADERS.keySet())) + ")");
        }
    }

    /**
     * Loads the model of {@code config.architecture()} from {@code weights}, checking every tensor's shape,
     * with activation buffers for batches of up to {@code maxBatchTokens} tokens (larger batches run in
     * slices). The model computes on {@code pool}, which the caller owns.
     */
    public static Model load(ModelConfig config, WeightSource weights, ComputePool pool, int maxBatchTokens) {
        requireSupported(config.architecture());
        var loader = LOADERS.get(config.architecture());
        return new DecoderModel(loader.apply(config, weights), pool, maxBatchTokens);
    }

    public static Model load(ModelConfig config, WeightSource weights, ComputePool pool) {
        return load(config, weights, pool, DEFAULT_MAX_BATCH_TOKENS);
    }
}
