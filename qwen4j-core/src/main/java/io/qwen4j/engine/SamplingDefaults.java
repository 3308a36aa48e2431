package io.qwen4j.engine;

import java.util.OptionalLong;

/**
 * The sampling a model recommends, per thinking mode, for {@code chat} and {@code serve} when the request
 * says nothing. {@code generate} stays greedy unless asked (CONTRACTS.md).
 */
public record SamplingDefaults(SamplingParams thinking, SamplingParams nonThinking, String source) {

    /** Qwen3's model-card values: thinking 0.6 / 0.95 / 20, non-thinking 0.7 / 0.8 / 20, min_p 0. */
    public static final SamplingDefaults QWEN3 = new SamplingDefaults(
            of(0.6, 20, 0.95, 0), of(0.7, 20, 0.8, 0), "Qwen3 model card");

    /** One set of values from the model file (it does not distinguish thinking modes). */
    public static SamplingDefaults fromModel(double temperature, int topK, double topP, double minP, String source) {
        SamplingParams p = of(temperature, topK, topP, minP);
        return new SamplingDefaults(p, p, source);
    }

    public SamplingParams forMode(boolean thinkingEnabled) {
        return thinkingEnabled ? thinking : nonThinking;
    }

    private static SamplingParams of(double temperature, int topK, double topP, double minP) {
        return new SamplingParams(temperature, topK, topP, minP, 1, 0, 0, OptionalLong.empty(), 0);
    }
}
