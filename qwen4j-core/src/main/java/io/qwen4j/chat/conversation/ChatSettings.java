package io.qwen4j.chat.conversation;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.KvCacheType;
import java.util.OptionalInt;

/**
 * How a {@link ChatSession} runs its turns.
 *
 * @param contextLength  tokens of the whole conversation the KV cache holds (capped at the model's)
 * @param kvCacheType    F16 halves the cache's memory; F32 keeps keys and values exactly
 * @param maxTokens      most tokens per answer, or -1 for "until the turn ends or the context is full"
 * @param thinkingBudget most reasoning tokens per answer before Qwen's early-stop text closes the thought;
 *                       0 turns thinking off; empty = unlimited
 * @param sampling       explicit sampling values over the model's defaults
 */
public record ChatSettings(int contextLength, KvCacheType kvCacheType, int maxTokens, OptionalInt thinkingBudget,
                           SamplingOverrides sampling) {

    public static final int DEFAULT_CONTEXT = 4096;

    public ChatSettings {
        if (contextLength < 1) {
            throw new InvalidInputException("context length must be >= 1 token, got " + contextLength);
        }
        if (maxTokens < -1) {
            throw new InvalidInputException("max tokens must be >= 0, or -1 for no limit, got " + maxTokens);
        }
        if (thinkingBudget.isPresent() && thinkingBudget.getAsInt() < 0) {
            throw new InvalidInputException("thinking budget must be >= 0 tokens, got " + thinkingBudget.getAsInt());
        }
    }

    public static ChatSettings defaults() {
        return new ChatSettings(DEFAULT_CONTEXT, KvCacheType.F16, -1, OptionalInt.empty(), SamplingOverrides.NONE);
    }

    public ChatSettings withContextLength(int n) {
        return new ChatSettings(n, kvCacheType, maxTokens, thinkingBudget, sampling);
    }

    public ChatSettings withKvCacheType(KvCacheType t) {
        return new ChatSettings(contextLength, t, maxTokens, thinkingBudget, sampling);
    }

    public ChatSettings withMaxTokens(int n) {
        return new ChatSettings(contextLength, kvCacheType, n, thinkingBudget, sampling);
    }

    public ChatSettings withThinkingBudget(int tokens) {
        return new ChatSettings(contextLength, kvCacheType, maxTokens, OptionalInt.of(tokens), sampling);
    }

    public ChatSettings withSampling(SamplingOverrides s) {
        return new ChatSettings(contextLength, kvCacheType, maxTokens, thinkingBudget, s);
    }

    /** A budget of 0 tokens means no thought at all, so the prompt is rendered with thinking off. */
    boolean budgetForbidsThinking() {
        return thinkingBudget.isPresent() && thinkingBudget.getAsInt() == 0;
    }
}
