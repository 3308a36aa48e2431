package io.qwen4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.StepHook;
import io.qwen4j.engine.StopStrings;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The generation fields chat and completions share: sampling (over the model's defaults), {@code n},
 * {@code stream} (+ {@code stream_options.include_usage}), {@code stop}, and the token limit.
 *
 * @param maxTokens the output limit after clamping to what the context leaves after the prompt
 */
public record GenerationOptions(SamplingParams sampling, int n, boolean stream, boolean includeUsage, List<String> stops,
                         int maxTokens) {

    static final int MAX_N = 16;
    static final int MAX_STOPS = 16;

    /**
     * Reads the fields. {@code maxTokenFields} are the names of the limit, first one wins
     * ({@code max_completion_tokens}, {@code max_tokens}). Fails with 400 when the prompt leaves no room.
     */
    public static GenerationOptions read(RequestFields f, SamplingParams defaults, int topLogprobs, int promptLength,
            int contextLength, int vocabularySize, String... maxTokenFields) {
        if (promptLength >= contextLength) {
            throw new ContextOverflowException("the prompt", promptLength, contextLength - 1);
        }
        SamplingParams s = defaults.withTopLogprobs(topLogprobs);
        var temperature = f.number("temperature", 0, 2);
        if (temperature.isPresent()) {
            s = s.withTemperature(temperature.getAsDouble());
        }
        var topP = f.number("top_p", 0, 1);
        if (topP.isPresent()) {
            if (topP.getAsDouble() == 0) {
                throw ApiException.badRequest("top_p", "'top_p' must be in (0, 1], got 0");
            }
            s = s.withTopP(topP.getAsDouble());
        }
        // vLLM's -1 and llama.cpp's 0 both mean "off".
        var topK = f.integer("top_k", -1, Integer.MAX_VALUE);
        if (topK.isPresent()) {
            s = s.withTopK(Math.max(0, topK.getAsInt()));
        }
        var minP = f.number("min_p", 0, 1);
        if (minP.isPresent()) {
            s = s.withMinP(minP.getAsDouble());
        }
        var repetition = f.number("repetition_penalty", Double.MIN_VALUE, 10);
        if (repetition.isPresent()) {
            s = s.withRepetitionPenalty(repetition.getAsDouble());
        }
        var presence = f.number("presence_penalty", -2, 2);
        if (presence.isPresent()) {
            s = s.withPresencePenalty(presence.getAsDouble());
        }
        var frequency = f.number("frequency_penalty", -2, 2);
        if (frequency.isPresent()) {
            s = s.withFrequencyPenalty(frequency.getAsDouble());
        }
        var seed = f.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        if (seed.isPresent()) {
            s = s.withSeed(seed.getAsLong());
        }
        var bias = f.object("logit_bias");
        if (bias.isPresent()) {
            s = s.withLogitBias(logitBias(bias.get(), vocabularySize));
        }
        int n = f.integer("n", 1, MAX_N).orElse(1);
        boolean stream = f.bool("stream").orElse(false);
        boolean includeUsage = false;
        var streamOptions = f.object("stream_options");
        if (streamOptions.isPresent() && streamOptions.get().has("include_usage")) {
            var v = streamOptions.get().get("include_usage");
            if (!v.isBoolean() && !v.isNull()) {
                throw ApiException.wrongType("stream_options.include_usage", "a boolean", RequestFields.kind(v));
            }
            includeUsage = v.asBoolean(false);
        }
        List<String> stops = f.stringOrStrings("stop", MAX_STOPS);
        int room = contextLength - promptLength;
        int maxTokens = room;
        for (String name : maxTokenFields) {
            OptionalInt limit = f.integer(name, 1, Integer.MAX_VALUE);
            if (limit.isPresent()) {
                // More than fits ends with finish_reason "length" when the context is full (as llama-server).
                maxTokens = Math.min(limit.getAsInt(), room);
                break;
            }
        }
        return new GenerationOptions(s, n, stream, includeUsage, stops, maxTokens);
    }

    /** OpenAI's {@code logit_bias}: token ids (as JSON object keys) to biases in [-100, 100]; 400 naming the entry otherwise. */
    static Map<Integer, Float> logitBias(JsonNode bias, int vocabularySize) {
        Map<Integer, Float> out = new HashMap<>();
        for (var it = bias.fields(); it.hasNext(); ) {
            var e = it.next();
            int token;
            try {
                token = Integer.parseInt(e.getKey().strip());
            } catch (NumberFormatException notAnId) {
                throw ApiException.badRequest("logit_bias", "logit_bias keys must be token ids, got \"" + e.getKey() + "\"");
            }
            if (token < 0 || token >= vocabularySize) {
                throw ApiException.badRequest("logit_bias", "logit_bias: " + token + " is not a token id in [0, " + vocabularySize + ")");
            }
            JsonNode value = e.getValue();
            if (!value.isNumber()) {
                throw ApiException.wrongType("logit_bias", "numbers (the bias of each token id)", RequestFields.kind(value));
            }
            double v = value.asDouble();
            if (!(v >= -SamplingParams.MAX_LOGIT_BIAS && v <= SamplingParams.MAX_LOGIT_BIAS)) {
                throw ApiException.badRequest("logit_bias", "logit_bias of token " + token + " must be in [-100, 100], got " + value);
            }
            out.put(token, (float) v);
        }
        return out;
    }

    /**
     * The engine request of choice {@code index}: fresh stateful hooks (stop strings, thinking budget) and
     * constraint for each, and seed + index so that n seeded choices differ yet reproduce.
     */
    public IntFunction<GenerationRequest> requests(Set<Integer> stopIds, Tokenizer tokenizer,
            Supplier<StepHook> thinkingHook, Supplier<TokenConstraint> constraint) {
        return index -> {
            SamplingParams s = sampling.seed().isPresent() ? sampling.withSeed(sampling.seed().getAsLong() + index) : sampling;
            List<StepHook> hooks = new ArrayList<>();
            if (!stops.isEmpty()) {
                hooks.add(new StopStrings(stops, tokenizer::bytes));
            }
            StepHook thinking = thinkingHook == null ? null : thinkingHook.get();
            if (thinking != null) {
                hooks.add(thinking);
            }
            TokenConstraint c = constraint == null ? null : constraint.get();
            return new GenerationRequest(s, maxTokens, stopIds, hooks, c);
        };
    }
}
