package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import java.util.List;

/**
 * The linear-attention (Gated DeltaNet) layers of a hybrid model such as Qwen3.5 or Qwen3-Next, as llama.cpp's keys
 * name them: {@code ssm.conv_kernel}, {@code ssm.group_count} (key heads), {@code ssm.time_step_rank} (value heads),
 * {@code ssm.state_size} (the key and value head size), and which layers are linear: {@code attention.recurrent_layers}
 * (one flag per layer) when the file has it, else every layer but each {@code full_attention_interval}-th (counting
 * from 1).
 *
 * @param recurrentLayers one flag per layer, or empty to follow {@code fullAttentionInterval}
 * @param valueHeadOrder  which key head each value head reads, as the architecture's converter orders the heads
 */
public record GatedDeltaNetConfig(int convKernel, int keyHeads, int valueHeads, int headDim, int fullAttentionInterval,
                                  List<Boolean> recurrentLayers, ValueHeadOrder valueHeadOrder) {

    /** How value heads map onto the fewer key heads in a GGUF file's head order. */
    public enum ValueHeadOrder {
        /** Value head {@code h} reads key head {@code h mod keyHeads}: llama.cpp's {@code qwen35} converter reorders the heads so. */
        TILED,
        /** Value head {@code h} reads key head {@code h / (valueHeads / keyHeads)}: HF's repeat_interleave, kept by {@code qwen3next}. */
        GROUPED
    }

    /** Linear layers by interval, value heads tiled (Qwen3.5). */
    public GatedDeltaNetConfig(int convKernel, int keyHeads, int valueHeads, int headDim, int fullAttentionInterval) {
        this(convKernel, keyHeads, valueHeads, headDim, fullAttentionInterval, List.of(), ValueHeadOrder.TILED);
    }

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
        recurrentLayers = List.copyOf(recurrentLayers);
        if (valueHeadOrder == null) {
            valueHeadOrder = ValueHeadOrder.TILED;
        }
    }

    /** Whether layer {@code layer} (from 0) is a linear-attention layer, as llama.cpp decides it. */
    public boolean isLinear(int layer) {
        if (!recurrentLayers.isEmpty()) {
            return layer < recurrentLayers.size() && recurrentLayers.get(layer);
        }
        return (layer + 1) % fullAttentionInterval != 0;
    }

    /** The key head that value head {@code valueHead} reads. */
    public int keyHeadOf(int valueHead) {
        return valueHeadOrder == ValueHeadOrder.TILED ? valueHead % keyHeads : valueHead / (valueHeads / keyHeads);
    }

    /** The same layers with another value-head order. */
    public GatedDeltaNetConfig withValueHeadOrder(ValueHeadOrder order) {
        return new GatedDeltaNetConfig(convKernel, keyHeads, valueHeads, headDim, fullAttentionInterval, recurrentLayers, order);
    }

    public int keyDim() {
        return keyHeads * headDim;
    }

    public int valueDim() {
        return valueHeads * headDim;
    }

    /** Bytes of one sequence's state in one linear layer: a headDim x headDim matrix per value head, the last inputs. */
    public long stateBytes() {
        return 4L * ((long) valueHeads * headDim * headDim + (long) (convKernel - 1) * convChannels());
    }

    /** Channels of the short convolution: queries, keys, then values. */
    public int convChannels() {
        return 2 * keyDim() + valueDim();
    }
}
