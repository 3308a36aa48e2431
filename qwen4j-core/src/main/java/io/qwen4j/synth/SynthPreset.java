package io.qwen4j.synth;

import io.qwen4j.InvalidInputException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Real Qwen shapes, taken from each model's Hugging Face {@code config.json}, so that synthetic models
 * exercise the same dimensions (and the same memory traffic) as the released weights.
 */
public enum SynthPreset {
    //          arch        layers dim   heads kv headDim ffn    experts used moeFfn context tied
    QWEN3_0_6B("qwen3", 28, 1024, 16, 8, 128, 3072, 0, 0, 0, 40960, true),
    QWEN3_1_7B("qwen3", 28, 2048, 16, 8, 128, 6144, 0, 0, 0, 40960, true),
    QWEN3_4B("qwen3", 36, 2560, 32, 8, 128, 9728, 0, 0, 0, 40960, true),
    QWEN3_8B("qwen3", 36, 4096, 32, 8, 128, 12288, 0, 0, 0, 40960, false),
    QWEN3_30B_A3B("qwen3moe", 48, 2048, 32, 4, 128, 6144, 128, 8, 768, 40960, false),
    QWEN2_5_0_5B("qwen2", 24, 896, 14, 2, 64, 4864, 0, 0, 0, 32768, true),
    QWEN2_5_1_5B("qwen2", 28, 1536, 12, 2, 128, 8960, 0, 0, 0, 32768, true),
    // MoE with a shared expert: ffn is the shared expert's size
    QWEN1_5_MOE_A2_7B("qwen2moe", 24, 2048, 16, 16, 128, 5632, 60, 4, 1408, 8192, false),
    QWEN3_5_35B_A3B("qwen35moe", 40, 2048, 16, 2, 256, 512, 256, 8, 512, 262144, false),
    QWEN3_NEXT_80B_A3B("qwen3next", 48, 2048, 16, 2, 256, 512, 512, 10, 512, 262144, false);

    public final String architecture;
    public final int layers;
    public final int hiddenSize;
    public final int heads;
    public final int kvHeads;
    public final int headDim;
    public final int ffn;
    public final int experts;
    public final int expertsUsed;
    public final int moeFfn;
    public final int context;
    public final boolean tiedEmbeddings;

    SynthPreset(String architecture, int layers, int hiddenSize, int heads, int kvHeads, int headDim, int ffn,
                int experts, int expertsUsed, int moeFfn, int context, boolean tiedEmbeddings) {
        this.architecture = architecture;
        this.layers = layers;
        this.hiddenSize = hiddenSize;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.ffn = ffn;
        this.experts = experts;
        this.expertsUsed = expertsUsed;
        this.moeFfn = moeFfn;
        this.context = context;
        this.tiedEmbeddings = tiedEmbeddings;
    }

    /** The user-facing name, e.g. {@code qwen3-0.6b}, {@code qwen2.5-1.5b}. */
    public String displayName() {
        return name().toLowerCase().replace("qwen2_5", "qwen2.5").replace('_', '-').replace("0-6b", "0.6b")
                .replace("1-7b", "1.7b").replace("0-5b", "0.5b").replace("1-5b", "1.5b").replace("qwen1-5-", "qwen1.5-")
                .replace("a2-7b", "a2.7b").replace("qwen3-5-", "qwen3.5-");
    }

    public static SynthPreset byName(String name) {
        for (SynthPreset p : values()) {
            if (p.displayName().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new InvalidInputException("unknown preset '" + name + "'; known: "
                + Arrays.stream(values()).map(SynthPreset::displayName).collect(Collectors.joining(", ")));
    }
}
