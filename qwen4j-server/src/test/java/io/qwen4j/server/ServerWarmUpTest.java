package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.serving.ServiceStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerWarmUpTest {

    @Test
    void warmsUpThroughTheRealServiceAndLeavesItIdleForTheRealServer() throws Exception {
        LoadedModel model = TestServer.sharedModel();
        try (GenerationService service = GenerationServices.create(model, KvCacheType.F32, 512, 4, 64)) {
            long millis = ServerWarmUp.run(model, service, Duration.ofSeconds(120));
            assertTrue(millis >= 0, "warm-up time " + millis);
            ServiceStats stats = service.stats();
            assertEquals(0, stats.queued(), "requests queued after the warm-up");
            assertEquals(0, stats.running(), "requests running after the warm-up");
            // the real server then starts on the same service with counters at zero and answers
            try (var server = OpenAiServer.start(model, service, ServerOptions.loopback(),
                    new ServerLog(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())))) {
                String metrics = server.metrics().render(stats, "m");
                assertTrue(!metrics.contains("qwen4j_requests_total{"), "requests counted by the real server:\n" + metrics);
                assertTrue(metrics.contains("qwen4j_completion_tokens_total 0\n"), metrics);
            }
        }
    }

    private static LoadedModel model() {
        try {
            return TestServer.sharedModel();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRefusedRequestIsNamedWithItsStatus() {
        var service = new ScriptedService();
        service.queueFull = true;
        var e = assertThrows(IllegalStateException.class,
                () -> ServerWarmUp.run(model(), service, Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("/v1/completions") && e.getMessage().contains("429"), e.getMessage());
    }

    @Test
    void aWarmUpPastItsTimeLimitStopsWithAClearError() {
        var service = new ScriptedService();
        var e = assertThrows(IllegalStateException.class,
                () -> ServerWarmUp.run(model(), service, Duration.ZERO));
        assertTrue(e.getMessage().contains("did not finish in time"), e.getMessage());
    }
}
