package io.qwen4j.model;

import io.qwen4j.InvalidInputException;

/**
 * The linear-attention (Gated DeltaNet) layers of a hybrid model such as Qwen3.5, as llama.cpp's {@code qwen35} keys
 * name them: {@code ssm.conv_kernel}, {@code ssm.group_count} (key heads), {@code ssm.time_step_rank} (value heads),
 * {@code ssm.state_size} (the key and value head size) and {@code full_attention_interval} (every this-many-th layer,
 * counting from 1, is full attention; the others are linear).
 */
public record GatedDeltaNetConfig(int convKernel, int keyHeads, int valueHeads, int headDim, int fullAttentionInterval) {

    public GatedDeltaNetConfig {
        if (convKernel < 1 || keyHeads < 1 || valueHeads < 1 || headDim < 1 || fullAttentionInterval < 1) {
            throw new InvalidInputException("linear attention sizes must be positive: conv kernel " + convKernel
                    + ", key heads " + keyHeads + ", value heads " + valueHeads + ", state size " + headDim
                    + ", full attention interval " + fullAttentionInterval);
        }
        if (valueHeads % keyHeads != 0) {
            throw new InvalidInputException("linear attention value heads (" + valueHeads
                    + ") must be a multiple of its key heads (" + keyHeads + ")");
        }
    }

    /** Whether layer {@code layer} (from 0) is a linear-attention layer: llama.cpp's {@code (il + 1) % interval != 0}. */
    public boolean isLinear(int layer) {
        return (layer + 1) % fullAttentionInterval != 0;
    }

    public int keyDim() {
        return keyHeads * headDim;
    }

    public int valueDim() {
        return valueHeads * headDim;
    }

    /** Channels of the short convolution: queries, keys, then values. */
    public int convChannels() {
        return 2 * keyDim() + valueDim();
    }
}
