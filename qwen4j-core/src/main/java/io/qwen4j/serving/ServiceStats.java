package io.qwen4j.serving;

/**
 * A snapshot for {@code /metrics}: requests waiting and running, KV cache use in blocks (a contiguous cache counts
 * one block per position), and since the service started, the guessed tokens speculative decoding checked and the
 * right ones.
 */
public record ServiceStats(int queued, int running, long kvBlocksUsed, long kvBlocksTotal, long draftTokens,
                           long draftTokensAccepted) {

    /** A service that does not decode speculatively. */
    public ServiceStats(int queued, int running, long kvBlocksUsed, long kvBlocksTotal) {
        this(queued, running, kvBlocksUsed, kvBlocksTotal, 0, 0);
    }
}
