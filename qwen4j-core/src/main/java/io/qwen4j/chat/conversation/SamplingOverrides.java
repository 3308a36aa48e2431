package io.qwen4j.chat.conversation;

import io.qwen4j.engine.SamplingParams;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Sampling values the user set explicitly ({@code --temp}, {@code --top-p}, {@code --top-k},
 * {@code --seed}); everything left empty comes from the model's defaults for the turn's thinking mode.
 */
public record SamplingOverrides(OptionalDouble temperature, OptionalDouble topP, OptionalInt topK, OptionalLong seed) {

    public static final SamplingOverrides NONE =
            new SamplingOverrides(OptionalDouble.empty(), OptionalDouble.empty(), OptionalInt.empty(), OptionalLong.empty());

    /** The defaults with these overrides applied (validated by {@link SamplingParams}). */
    public SamplingParams applyTo(SamplingParams defaults) {
        SamplingParams p = defaults;
        if (temperature.isPresent()) {
            p = p.withTemperature(temperature.getAsDouble());
        }
        if (topP.isPresent()) {
            p = p.withTopP(topP.getAsDouble());
        }
        if (topK.isPresent()) {
            p = p.withTopK(topK.getAsInt());
        }
        if (seed.isPresent()) {
            p = p.withSeed(seed.getAsLong());
        }
        return p;
    }
}
