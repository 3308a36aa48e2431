package io.qwen4j.engine;

import java.util.List;
import java.util.Set;

/**
 * What to generate: how to sample, at most how many tokens, which token ids end the output (EOS; an empty
 * set = ignore EOS), the per-token hooks (stop strings, thinking budget), consulted in order, and an
 * optional {@link TokenConstraint} (null = unconstrained).
 */
public record GenerationRequest(SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds,
                                List<StepHook> hooks, TokenConstraint constraint) {

    public GenerationRequest {
        if (maxTokens < 0) {
            throw new SamplingParams.SamplingParamsException("max_tokens must be >= 0, got " + maxTokens);
        }
        stopTokenIds = Set.copyOf(stopTokenIds);
        hooks = List.copyOf(hooks);
    }

    public GenerationRequest(SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds, List<StepHook> hooks) {
        this(sampling, maxTokens, stopTokenIds, hooks, null);
    }

    public GenerationRequest(SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds) {
        this(sampling, maxTokens, stopTokenIds, List.of(), null);
    }

    public GenerationRequest withConstraint(TokenConstraint c) {
        return new GenerationRequest(sampling, maxTokens, stopTokenIds, hooks, c);
    }
}
