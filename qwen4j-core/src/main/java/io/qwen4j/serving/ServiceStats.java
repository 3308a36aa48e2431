package io.qwen4j.serving;

/**
 * A snapshot for {@code /metrics}: requests waiting and running, and KV cache use in blocks (a contiguous
 * cache counts one block per position).
 */
public record ServiceStats(int queued, int running, long kvBlocksUsed, long kvBlocksTotal) {
}
