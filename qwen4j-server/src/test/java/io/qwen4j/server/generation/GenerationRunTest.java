package io.qwen4j.server.generation;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.ServerLog;
import io.qwen4j.server.ServerOptions;
import io.qwen4j.server.metrics.ServerMetrics;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.serving.ServiceStats;
import io.qwen4j.serving.StepListener;
import io.qwen4j.serving.Submission;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event queue between the engine and a request's thread stays bounded: a client that does not read is dropped. */
class GenerationRunTest {

    /** Emits {@code steps} steps as fast as it can (stopping when cancelled), then finishes. */
    static final class FloodService implements GenerationService {
        final int steps;
        volatile boolean cancelled;
        volatile int emitted;
        final CountDownLatch done = new CountDownLatch(1);

        FloodService(int steps) {
            this.steps = steps;
        }

        @Override
        public Submission submit(int[] prompt, GenerationRequest request, StepListener listener) {
            Thread.ofVirtual().start(() -> {
                listener.onPromptCached(0);
                for (int i = 0; i < steps && !cancelled; i++) {
                    listener.onStep(new GenerationStep(i, -1f, List.of(), false));
                    emitted = i + 1;
                }
                if (!cancelled) {
                    listener.onFinish(FinishReason.LENGTH);
                }
                done.countDown();
            });
            return new Submission() {
                @Override
                public void cancel() {
                    cancelled = true;
                }

                @Override
                public boolean isDone() {
                    return done.getCount() == 0;
                }
            };
        }

        @Override
        public int contextLength() {
            return 1 << 20;
        }

        @Override
        public ServiceStats stats() {
            return new ServiceStats(0, 0, 0, 0);
        }

        @Override
        public void close() {
        }
    }

    private static ServerContext context(GenerationService service, ByteArrayOutputStream log) {
        return new ServerContext(null, service, ServerOptions.loopback(), new ServerMetrics(),
                new ServerLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
    }

    private static GenerationRequest request() {
        return new GenerationRequest(io.qwen4j.engine.SamplingParams.greedy(), 1 << 20, java.util.Set.of(), List.of(), null);
    }

    @Test
    void aClientThatDoesNotReadIsDroppedOnceItsQueueIsFull() throws Exception {
        FloodService service = new FloodService(50 * GenerationRun.UNREAD_STEPS_PER_CHOICE);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (GenerationRun run = GenerationRun.start(context(service, log), new int[] {1}, 1, i -> request())) {
            assertTrue(service.done.await(10, TimeUnit.SECONDS), "the engine side is never blocked");
            assertTrue(service.cancelled, "the generation is cancelled");
            assertTrue(service.emitted >= GenerationRun.UNREAD_STEPS_PER_CHOICE, "the flood reached the bound");
            assertTrue(run.unread() <= GenerationRun.UNREAD_STEPS_PER_CHOICE + 2, "held events: " + run.unread());
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("reads too slowly"), log.toString(StandardCharsets.UTF_8));
            // The backlog is skipped: the reader hears at once that its response was cut.
            GenerationRun.Event e = run.next();
            GenerationRun.Event.Aborted aborted = assertInstanceOf(GenerationRun.Event.Aborted.class, e);
            assertTrue(aborted.reason().getMessage().contains("too slowly"), aborted.reason().getMessage());
            assertNull(run.next());
        }
    }

    @Test
    void aBacklogWithinTheBoundIsDeliveredWhole() throws Exception {
        int steps = GenerationRun.UNREAD_STEPS_PER_CHOICE - 1;
        FloodService service = new FloodService(steps);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (GenerationRun run = GenerationRun.start(context(service, log), new int[] {1}, 1, i -> request())) {
            assertTrue(service.done.await(10, TimeUnit.SECONDS));
            assertInstanceOf(GenerationRun.Event.Cached.class, run.next());
            for (int i = 0; i < steps; i++) {
                GenerationRun.Event.Step s = assertInstanceOf(GenerationRun.Event.Step.class, run.next());
                assertEquals(i, s.step().token());
            }
            assertInstanceOf(GenerationRun.Event.Finished.class, run.next());
            assertNull(run.next());
            assertTrue(!service.cancelled && log.size() == 0, log.toString(StandardCharsets.UTF_8));
        }
    }
}
