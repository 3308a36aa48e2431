package io.qwen4j.chat.conversation;

/**
 * What one turn cost.
 *
 * @param promptTokens    tokens of the whole rendered prompt
 * @param reusedTokens    of those, tokens already in the KV cache from earlier turns (not prefilled again)
 * @param generatedTokens tokens of the answer, the end-of-turn token included
 * @param prefillNanos    time to the first generated token (prefill of the new prompt tokens + one sample)
 * @param decodeNanos     time from the first generated token to the last
 * @param finishReason    "stop", "length", "tool_calls", or "cancelled"
 * @param draftTokens     tokens speculative decoding guessed and checked (0 without it)
 * @param acceptedDrafts  of those, the right ones
 */
public record TurnStats(int promptTokens, int reusedTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                        String finishReason, long draftTokens, long acceptedDrafts) {

    /** A turn decoded without speculation. */
    public TurnStats(int promptTokens, int reusedTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                     String finishReason) {
        this(promptTokens, reusedTokens, generatedTokens, prefillNanos, decodeNanos, finishReason, 0, 0);
    }

    /** New prompt tokens per second of prefill, or 0 when nothing was measured. */
    public double prefillTokensPerSecond() {
        return rate(promptTokens - reusedTokens, prefillNanos);
    }

    /** Tokens per second after the first one (whose time is prefill's), or 0 when nothing was measured. */
    public double decodeTokensPerSecond() {
        return rate(generatedTokens - 1, decodeNanos);
    }

    private static double rate(int tokens, long nanos) {
        return tokens <= 0 || nanos <= 0 ? 0 : tokens * 1e9 / nanos;
    }
}
