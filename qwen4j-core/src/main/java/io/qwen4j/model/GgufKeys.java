package io.qwen4j.model;

/**
 * The GGUF metadata keys (as llama.cpp's converter writes them) that map to {@link ModelConfig} fields.
 * Keys under the architecture prefix are built with {@link #key}: {@code key("qwen3", BLOCK_COUNT)} is
 * {@code "qwen3.block_count"}.
 */
public final class GgufKeys {

    public static final String ARCHITECTURE = "general.architecture";

    public static final String BLOCK_COUNT = "block_count";
    public static final String EMBEDDING_LENGTH = "embedding_length";
    public static final String FEED_FORWARD_LENGTH = "feed_forward_length";
    public static final String HEAD_COUNT = "attention.head_count";
    public static final String HEAD_COUNT_KV = "attention.head_count_kv";
    /** Optional: defaults to embedding_length / head_count (Qwen3 sets it, e.g. 128 with dim 1024 and 16 heads). */
    public static final String KEY_LENGTH = "attention.key_length";
    public static final String VALUE_LENGTH = "attention.value_length";
    public static final String RMS_EPSILON = "attention.layer_norm_rms_epsilon";
    public static final String ROPE_FREQ_BASE = "rope.freq_base";
    /** "none", "linear" or "yarn". */
    public static final String ROPE_SCALING_TYPE = "rope.scaling.type";
    public static final String ROPE_SCALING_FACTOR = "rope.scaling.factor";
    public static final String ROPE_SCALING_ORIGINAL_CONTEXT = "rope.scaling.original_context_length";
    /** Optional: how many leading dimensions of a head RoPE rotates (default: all). */
    public static final String ROPE_DIMENSION_COUNT = "rope.dimension_count";
    /** Hybrid (linear attention) models: see {@link GatedDeltaNetConfig}. */
    public static final String SSM_CONV_KERNEL = "ssm.conv_kernel";
    public static final String SSM_INNER_SIZE = "ssm.inner_size";
    public static final String SSM_STATE_SIZE = "ssm.state_size";
    public static final String SSM_TIME_STEP_RANK = "ssm.time_step_rank";
    public static final String SSM_GROUP_COUNT = "ssm.group_count";
    public static final String FULL_ATTENTION_INTERVAL = "full_attention_interval";
    /** Optional, wins over {@link #FULL_ATTENTION_INTERVAL}: one bool per layer, true for linear attention. */
    public static final String RECURRENT_LAYERS = "attention.recurrent_layers";
    /**
     * Optional: multi-token-prediction blocks stored after the decoder's layers (Qwen3.5, Qwen3-Next) and counted in
     * {@link #BLOCK_COUNT}; the decoder has {@code block_count - nextn_predict_layers} layers.
     */
    public static final String NEXTN_PREDICT_LAYERS = "nextn_predict_layers";
    public static final String CONTEXT_LENGTH = "context_length";
    public static final String EXPERT_COUNT = "expert_count";
    public static final String EXPERT_USED_COUNT = "expert_used_count";
    public static final String EXPERT_FEED_FORWARD_LENGTH = "expert_feed_forward_length";
    /** Optional: the shared expert's hidden size (Qwen2-MoE, Qwen3.5-MoE, Qwen3-Next); default feed_forward_length ({@link ModelConfig#sharedExpertSize}). */
    public static final String EXPERT_SHARED_FEED_FORWARD_LENGTH = "expert_shared_feed_forward_length";
    /** Optional: the vocabulary size; otherwise token_embd's ne1. */
    public static final String VOCAB_SIZE = "vocab_size";

    private GgufKeys() {
    }

    public static String key(String architecture, String suffix) {
        return architecture + "." + suffix;
    }
}
