package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import java.util.Map;
import java.util.OptionalLong;

/**
 * How to pick the next token, with OpenAI/HF meanings:
 * <ul>
 *   <li>{@code temperature} 0 = greedy; otherwise logits are divided by it;</li>
 *   <li>{@code topK} 0 = off; {@code topP} 1 = off, in (0, 1]; {@code minP} 0 = off, in [0, 1];</li>
 *   <li>{@code repetitionPenalty} (HF, 1 = off): over prompt and output, positive logits divided by it,
 *       negative ones multiplied;</li>
 *   <li>{@code presencePenalty}, {@code frequencyPenalty} (OpenAI, 0 = off, in [-2, 2]): over output tokens,
 *       {@code logit -= presence * [count > 0] + frequency * count};</li>
 *   <li>{@code seed}: makes a request reproducible; {@code topLogprobs}: alternatives to report (0..20);</li>
 *   <li>{@code logitBias} (OpenAI's {@code logit_bias}): added to a token's logit before every other stage,
 *       each in [-100, 100]; -100 in effect bans a token, 100 all but forces it.</li>
 * </ul>
 */
public record SamplingParams(double temperature, int topK, double topP, double minP, double repetitionPenalty,
                             double presencePenalty, double frequencyPenalty, OptionalLong seed, int topLogprobs,
                             Map<Integer, Float> logitBias) {

    /** No logit bias. */
    public SamplingParams(double temperature, int topK, double topP, double minP, double repetitionPenalty,
                          double presencePenalty, double frequencyPenalty, OptionalLong seed, int topLogprobs) {
        this(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, topLogprobs, Map.of());
    }

    public static final int MAX_TOP_LOGPROBS = 20;
    /** OpenAI's bound on a logit bias. */
    public static final float MAX_LOGIT_BIAS = 100;

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new SamplingParamsException("temperature must be a number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new SamplingParamsException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new SamplingParamsException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new SamplingParamsException("min_p must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new SamplingParamsException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new SamplingParamsException("presence_penalty must be in [-2, 2], got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new SamplingParamsException("frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        }
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new SamplingParamsException("top_logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
        }
        if (seed == null) {
            seed = OptionalLong.empty();
        }
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        logitBias.forEach((token, bias) -> {
            if (token < 0) {
                throw new SamplingParamsException("logit_bias: token id must be >= 0, got " + token);
            }
            if (!(bias >= -MAX_LOGIT_BIAS && bias <= MAX_LOGIT_BIAS)) {
                throw new SamplingParamsException("logit_bias of token " + token + " must be in [-100, 100], got " + bias);
            }
        });
    }

    /** Argmax decoding, no penalties, no alternatives reported. */
    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0, 1, 0, 0, OptionalLong.empty(), 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withTemperature(double v) {
        return new SamplingParams(v, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, topLogprobs, logitBias);
    }

    public SamplingParams withTopK(int v) {
        return new SamplingParams(temperature, v, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, topLogprobs, logitBias);
    }

    public SamplingParams withTopP(double v) {
        return new SamplingParams(temperature, topK, v, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, topLogprobs, logitBias);
    }

    public SamplingParams withMinP(double v) {
        return new SamplingParams(temperature, topK, topP, v, repetitionPenalty, presencePenalty, frequencyPenalty, seed, topLogprobs, logitBias);
    }

    public SamplingParams withRepetitionPenalty(double v) {
        return new SamplingParams(temperature, topK, topP, minP, v, presencePenalty, frequencyPenalty, seed, topLogprobs, logitBias);
    }

    public SamplingParams withPresencePenalty(double v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, v, frequencyPenalty, seed, topLogprobs, logitBias);
    }

    public SamplingParams withFrequencyPenalty(double v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, v, seed, topLogprobs, logitBias);
    }

    public SamplingParams withSeed(long v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty,
                OptionalLong.of(v), topLogprobs, logitBias);
    }

    public SamplingParams withTopLogprobs(int v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, v, logitBias);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed,
                topLogprobs, v);
    }

    /** A sampling parameter out of range; the message names it and its value. */
    public static final class SamplingParamsException extends InvalidInputException {
        public SamplingParamsException(String message) {
            super(message);
        }
    }
}
