package io.qwen4j.server.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.serving.ServiceStats;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {

    @Test
    void serviceCountersStartAtTheServersStart() {
        // a warm-up on the same service guessed 5 tokens (3 right) before this server started
        var metrics = new ServerMetrics(new ServiceStats(0, 0, 0, 10, 5, 3));
        String text = metrics.render(new ServiceStats(1, 2, 4, 10, 12, 7), "m");
        assertTrue(text.contains("\nqwen4j_spec_draft_tokens_total 7\n"), text);
        assertTrue(text.contains("\nqwen4j_spec_draft_tokens_accepted_total 4\n"), text);
        assertTrue(text.contains("# TYPE qwen4j_spec_draft_tokens_total counter\n"), text);
        assertTrue(text.contains("\nqwen4j_requests_running 2\n"), text);
    }
}
