package io.qwen4j.engine;

import java.util.List;

/**
 * One token appended to the output: sampled, or {@code forced} by a {@link StepHook} (its log-probability
 * is still the model's, from the raw logits at that position).
 */
public record GenerationStep(int token, float logprob, List<TokenChoice.TopLogprob> topLogprobs, boolean forced) {

    public GenerationStep {
        topLogprobs = List.copyOf(topLogprobs);
    }

    static GenerationStep of(TokenChoice choice, boolean forced) {
        return new GenerationStep(choice.token(), choice.logprob(), choice.topLogprobs(), forced);
    }
}
