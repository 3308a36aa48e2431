package io.qwen4j.server.metrics;

import io.qwen4j.serving.ServiceStats;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters for {@code /metrics}, written in Prometheus' text format: requests by route and status, prompt
 * (and cached) and completion tokens, disconnects, a time-to-first-token histogram, the decode rate over
 * the last {@value #RATE_WINDOW_SECONDS} seconds, and the service's queue, running and KV figures.
 */
public final class ServerMetrics {

    static final int RATE_WINDOW_SECONDS = 10;
    private static final double[] TTFT_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final AtomicLongArray ttftBuckets = new AtomicLongArray(TTFT_BUCKETS.length);
    private final LongAdder ttftCount = new LongAdder();
    private final LongAdder ttftMicros = new LongAdder();
    /** Tokens generated per wall-clock second, a ring indexed by epoch second. */
    private final AtomicLongArray tokensPerSecond = new AtomicLongArray(RATE_WINDOW_SECONDS + 1);
    private final AtomicLongArray secondOfSlot = new AtomicLongArray(RATE_WINDOW_SECONDS + 1);
    /** The service's counters when this server started (a warm-up before it ran on the same service). */
    private final ServiceStats baseline;

    public ServerMetrics() {
        this(new ServiceStats(0, 0, 0, 0));
    }

    /** Metrics whose service counters start from {@code baseline}, the service's stats when the server starts. */
    public ServerMetrics(ServiceStats baseline) {
        this.baseline = baseline;
    }

    public void request(String path, int status) {
        requests.computeIfAbsent(path + "\u0000" + status, k -> new LongAdder()).increment();
    }

    public void promptTokens(int n) {
        promptTokens.add(n);
    }

    public void cachedTokens(int n) {
        cachedTokens.add(n);
    }

    public void clientDisconnected() {
        disconnects.increment();
    }

    public void timeToFirstToken(long nanos) {
        double seconds = nanos / 1e9;
        for (int i = 0; i < TTFT_BUCKETS.length; i++) {
            if (seconds <= TTFT_BUCKETS[i]) {
                ttftBuckets.incrementAndGet(i);
            }
        }
        ttftCount.increment();
        ttftMicros.add(nanos / 1000);
    }

    public void completionToken() {
        completionTokens.increment();
        long second = System.currentTimeMillis() / 1000;
        int slot = (int) (second % secondOfSlot.length());
        long owner = secondOfSlot.get(slot);
        if (owner != second && secondOfSlot.compareAndSet(slot, owner, second)) {
            tokensPerSecond.set(slot, 0);
        }
        tokensPerSecond.incrementAndGet(slot);
    }

    /** Tokens per second over the last full seconds of the window. */
    double recentTokensPerSecond() {
        long now = System.currentTimeMillis() / 1000;
        long sum = 0;
        for (int slot = 0; slot < secondOfSlot.length(); slot++) {
            long second = secondOfSlot.get(slot);
            if (second < now && second >= now - RATE_WINDOW_SECONDS) {
                sum += tokensPerSecond.get(slot);
            }
        }
        return sum / (double) RATE_WINDOW_SECONDS;
    }

    public String render(ServiceStats stats, String model) {
        StringBuilder out = new StringBuilder();
        out.append("# HELP qwen4j_requests_total HTTP requests by route and status.\n");
        out.append("# TYPE qwen4j_requests_total counter\n");
        new TreeMap<>(requests).forEach((key, count) -> {
            String[] parts = key.split("\u0000");
            out.append("qwen4j_requests_total{route=\"").append(escape(parts[0])).append("\",status=\"")
                    .append(parts[1]).append("\"} ").append(count.sum()).append('\n');
        });
        counter(out, "qwen4j_prompt_tokens_total", "Prompt tokens of accepted generation requests.", promptTokens.sum());
        counter(out, "qwen4j_prompt_tokens_cached_total", "Prompt tokens served from the prefix cache.", cachedTokens.sum());
        counter(out, "qwen4j_completion_tokens_total", "Generated tokens.", completionTokens.sum());
        counter(out, "qwen4j_client_disconnects_total", "Requests whose client went away before their response was complete.", disconnects.sum());
        out.append("# HELP qwen4j_time_to_first_token_seconds From request arrival to the first generated token.\n");
        out.append("# TYPE qwen4j_time_to_first_token_seconds histogram\n");
        for (int i = 0; i < TTFT_BUCKETS.length; i++) {
            out.append("qwen4j_time_to_first_token_seconds_bucket{le=\"").append(TTFT_BUCKETS[i]).append("\"} ")
                    .append(ttftBuckets.get(i)).append('\n');
        }
        out.append("qwen4j_time_to_first_token_seconds_bucket{le=\"+Inf\"} ").append(ttftCount.sum()).append('\n');
        out.append("qwen4j_time_to_first_token_seconds_sum ").append(format(ttftMicros.sum() / 1e6)).append('\n');
        out.append("qwen4j_time_to_first_token_seconds_count ").append(ttftCount.sum()).append('\n');
        gauge(out, "qwen4j_generation_tokens_per_second",
                "Generated tokens per second over the last " + RATE_WINDOW_SECONDS + " s.", format(recentTokensPerSecond()));
        counter(out, "qwen4j_spec_draft_tokens_total", "Guessed tokens speculative decoding checked.",
                stats.draftTokens() - baseline.draftTokens());
        counter(out, "qwen4j_spec_draft_tokens_accepted_total", "Guessed tokens that were right (tokens without a row of "
                + "their own).", stats.draftTokensAccepted() - baseline.draftTokensAccepted());
        gauge(out, "qwen4j_requests_queued", "Requests waiting for the engine.", Integer.toString(stats.queued()));
        gauge(out, "qwen4j_requests_running", "Sequences being generated.", Integer.toString(stats.running()));
        gauge(out, "qwen4j_kv_cache_blocks_used", "KV cache blocks in use.", Long.toString(stats.kvBlocksUsed()));
        gauge(out, "qwen4j_kv_cache_blocks_total", "KV cache blocks in the pool.", Long.toString(stats.kvBlocksTotal()));
        gauge(out, "qwen4j_kv_cache_usage_ratio", "KV cache blocks used / total.",
                format(stats.kvBlocksTotal() == 0 ? 0 : stats.kvBlocksUsed() / (double) stats.kvBlocksTotal()));
        out.append("# HELP qwen4j_model_info The model served.\n# TYPE qwen4j_model_info gauge\n");
        out.append("qwen4j_model_info{model=\"").append(escape(model)).append("\"} 1\n");
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, String value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(value).append('\n');
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
