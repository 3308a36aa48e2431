package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.model.Model;
import io.qwen4j.model.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * (Only one service runs on a model at a time here: a forward pass's logits live in a buffer the next pass
 * reuses, as {@link io.qwen4j.model.Logits} says.)
 *
 * <p>The batching scheduler against the serial reference service on a tiny synthetic model: the same tokens
 * and log-probabilities whatever the batching, chunking, prefix hits or preemptions, and the blocks all
 * come back.
 */
class BatchSchedulerTest {

    static final int CONTEXT = 96;
    static final Model MODEL = TinyModels.qwen3(11, CONTEXT);
    static final SerialGenerationService SERIAL = new SerialGenerationService(MODEL, KvCacheType.F32, CONTEXT, 64);

    @AfterAll
    static void closeSerial() {
        SERIAL.close();
    }

    static SchedulerOptions options() {
        return SchedulerOptions.defaults(CONTEXT).withKvCacheType(KvCacheType.F32).withParallel(4).withStepTokens(24);
    }

    static GenerationRequest greedy(int maxTokens) {
        return new GenerationRequest(SamplingParams.greedy().withTopLogprobs(3), maxTokens, Set.of());
    }

    static int[] prompt(long seed, int length) {
        var random = new Random(seed);
        int[] t = new int[length];
        for (int i = 0; i < length; i++) {
            t[i] = random.nextInt(300);
        }
        return t;
    }

    static Recorder serial(int[] prompt, GenerationRequest request) {
        return serial(SERIAL, prompt, request);
    }

    static Recorder serial(SerialGenerationService service, int[] prompt, GenerationRequest request) {
        var r = new Recorder();
        service.submit(prompt, request, r);
        return r.await();
    }

    static void assertSameSteps(Recorder expected, Recorder actual) {
        assertArrayEquals(expected.tokens(), actual.tokens());
        assertEquals(expected.finish, actual.finish);
        for (int i = 0; i < expected.steps.size(); i++) {
            GenerationStep e = expected.steps.get(i);
            GenerationStep a = actual.steps.get(i);
            assertEquals(e.logprob(), a.logprob(), 1e-4, "logprob of step " + i);
            assertEquals(e.topLogprobs().size(), a.topLogprobs().size());
            for (int k = 0; k < e.topLogprobs().size(); k++) {
                assertEquals(e.topLogprobs().get(k).token(), a.topLogprobs().get(k).token());
                assertEquals(e.topLogprobs().get(k).logprob(), a.topLogprobs().get(k).logprob(), 1e-4);
            }
        }
    }

    static void eventually(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never became true: " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Submits every prompt at once and compares each output with the serial service's. */
    static void runAgainstSerial(BatchScheduler scheduler, List<int[]> prompts, GenerationRequest request) {
        runAgainstSerial(SERIAL, scheduler, prompts, request);
    }

    static void runAgainstSerial(SerialGenerationService serial, BatchScheduler scheduler, List<int[]> prompts,
                                 GenerationRequest request) {
        List<Recorder> batched = new ArrayList<>();
        for (int[] p : prompts) {
            var r = new Recorder();
            scheduler.submit(p, request, r);
            batched.add(r);
        }
        batched.forEach(Recorder::await); // before the serial runs: both services share the model's logits buffer
        for (int i = 0; i < prompts.size(); i++) {
            assertSameSteps(serial(serial, prompts.get(i), request), batched.get(i));
        }
        eventually(() -> scheduler.stats().kvBlocksUsed() == 0 && scheduler.stats().running() == 0,
                "all blocks released");
    }

    @Test
    void concurrentRequestsGiveTheSerialServicesTokensAndLogprobs() {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            List<int[]> prompts = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                prompts.add(prompt(i, 5 + 9 * i)); // up to 59 tokens: several 24-token prefill chunks
            }
            runAgainstSerial(scheduler, prompts, greedy(14));
            assertEquals(0, scheduler.stats().queued());
            assertEquals(0, scheduler.preemptions());
        }
    }

    @Test
    void statsShowAFinishedSequenceGoneBeforeItsListenerHearsTheEnd() {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            var seenAtFinish = new java.util.concurrent.atomic.AtomicReference<ServiceStats>();
            var r = new Recorder() {
                @Override
                public void onFinish(FinishReason reason) {
                    seenAtFinish.set(scheduler.stats()); // what /metrics shows a client that has just got its answer
                    super.onFinish(reason);
                }
            };
            scheduler.submit(prompt(5, 30), greedy(6), r);
            r.await();
            assertEquals(0, seenAtFinish.get().running());
            assertEquals(0, seenAtFinish.get().kvBlocksUsed());
        }
    }

    @Test
    void sampledRequestGivesTheSameTokensBatchedOrSolo() {
        var request = new GenerationRequest(SamplingParams.greedy().withTemperature(0.9).withTopK(40)
                .withTopP(0.95).withRepetitionPenalty(1.1).withSeed(1234).withTopLogprobs(2), 20, Set.of());
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            runAgainstSerial(scheduler, List.of(prompt(1, 30), prompt(2, 7), prompt(3, 19)), request);
        }
    }

    @Test
    void prefixHitReportsCachedTokensAndGivesIdenticalOutput() {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            int[] system = prompt(42, 40);
            var first = new Recorder();
            scheduler.submit(system, greedy(5), first);
            first.await();
            assertEquals(0, first.cachedTokens);
            // 40 prompt + 4 fed outputs = 44 computed: two full blocks stay cached
            eventually(() -> scheduler.cachedBlocks() == 2, "two cached blocks");
            assertEquals(0, scheduler.stats().kvBlocksUsed(), "cached blocks count as free");

            int[] longer = java.util.Arrays.copyOf(system, 52);
            System.arraycopy(prompt(43, 12), 0, longer, 40, 12);
            var second = new Recorder();
            scheduler.submit(longer, greedy(8), second);
            second.await();
            assertEquals(32, second.cachedTokens);
            assertEquals(1, second.cachedCalls);
            assertSameSteps(serial(longer, greedy(8)), second);

            // A prompt of exactly 48 tokens: its third block holds the last prompt token, which must be recomputed.
            int[] exact = java.util.Arrays.copyOf(longer, 48);
            var third = new Recorder();
            scheduler.submit(exact, greedy(4), third);
            third.await();
            assertEquals(32, third.cachedTokens);
            assertSameSteps(serial(exact, greedy(4)), third);
        }
        try (var noCache = new BatchScheduler(MODEL, options().withPrefixCaching(false))) {
            int[] system = prompt(42, 40);
            assertEquals(0, runOne(noCache, system).cachedTokens);
            var again = new Recorder();
            noCache.submit(system, greedy(3), again);
            assertEquals(0, again.await().cachedTokens);
        }
    }

    static Recorder runOne(BatchScheduler scheduler, int[] prompt) {
        var r = new Recorder();
        scheduler.submit(prompt, greedy(3), r);
        return r.await();
    }

    @Test
    void tooSmallAPoolPreemptsAndStillGivesIdenticalOutputs() {
        // 7 blocks of 16 for 4 sequences that each grow to 3-4 blocks: the newest are preempted and resumed.
        long bytes = 7 * io.qwen4j.engine.PagedKvPool.bytesPerBlock(MODEL.config(), KvCacheType.F32);
        try (var scheduler = new BatchScheduler(MODEL, options().withKvBudgetBytes(bytes).withStepTokens(64))) {
            List<int[]> prompts = List.of(prompt(7, 20), prompt(8, 14), prompt(9, 25), prompt(10, 9));
            runAgainstSerial(scheduler, prompts, greedy(30));
            assertTrue(scheduler.preemptions() > 0, "the pool was meant to be too small");
            assertEquals(7, scheduler.stats().kvBlocksTotal());
        }
    }

    @Test
    void cancelMidStreamFreesBlocksAndOthersCarryOn() throws Exception {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            var threeSteps = new CountDownLatch(3);
            var cancelIssued = new CountDownLatch(1);
            var cancelled = new Recorder() {
                @Override
                public void onStep(GenerationStep step) {
                    super.onStep(step);
                    threeSteps.countDown();
                    if (steps.size() == 3) {
                        // hold the engine thread until the cancel is issued: on a tiny model the other 77 steps
                        // could otherwise all run before the test thread gets to cancel (seen once in CI)
                        awaitQuietly(cancelIssued);
                    }
                }
            };
            // a listener that throws on its second step is dropped like a disconnected client
            var broken = new Recorder() {
                @Override
                public void onStep(GenerationStep step) {
                    super.onStep(step);
                    if (steps.size() == 2) {
                        throw new IllegalStateException("client went away");
                    }
                }
            };
            var survivor = new Recorder();
            Submission submission = scheduler.submit(prompt(20, 30), greedy(80), cancelled);
            Submission brokenSubmission = scheduler.submit(prompt(21, 10), greedy(80), broken);
            scheduler.submit(prompt(22, 12), greedy(40), survivor);
            assertTrue(threeSteps.await(10, TimeUnit.SECONDS));
            submission.cancel();
            cancelIssued.countDown();
            eventually(submission::isDone, "cancelled submission done");
            int stepsAtCancel = cancelled.steps.size();
            survivor.await();
            assertSameSteps(serial(prompt(22, 12), greedy(40)), survivor);
            assertEquals(stepsAtCancel, cancelled.steps.size(), "no step after the cancel took effect");
            assertTrue(stepsAtCancel < 80);
            assertNull(cancelled.finish);
            assertTrue(brokenSubmission.isDone());
            assertEquals(2, broken.steps.size());
            assertEquals("client went away", broken.error.getMessage());
            eventually(() -> scheduler.stats().kvBlocksUsed() == 0, "blocks freed");
            assertEquals(0, scheduler.stats().running());
        }
    }

    @Test
    void fullQueueRejectsAndOversizedPromptsFailAtSubmit() throws Exception {
        var release = new CountDownLatch(1);
        var blocker = new Recorder() {
            @Override
            public void onPromptCached(int cachedTokens) {
                super.onPromptCached(cachedTokens);
                try {
                    release.await(10, TimeUnit.SECONDS); // holds the engine thread
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        try (var scheduler = new BatchScheduler(MODEL, options().withParallel(1).withMaxQueue(2))) {
            scheduler.submit(prompt(30, 5), greedy(3), blocker);
            eventually(() -> blocker.cachedCalls == 1, "engine holds the first request");
            var a = new Recorder();
            var b = new Recorder();
            scheduler.submit(prompt(31, 5), greedy(3), a);
            scheduler.submit(prompt(32, 5), greedy(3), b);
            assertEquals(2, scheduler.stats().queued());
            assertThrows(QueueFullException.class, () -> scheduler.submit(prompt(33, 5), greedy(3), new Recorder()));
            assertThrows(ContextOverflowException.class,
                    () -> scheduler.submit(prompt(34, CONTEXT + 1), greedy(3), new Recorder()));
            release.countDown();
            blocker.await();
            assertEquals(FinishReason.LENGTH, a.await().finish);
            assertEquals(3, b.await().steps.size());
        }
    }

    @Test
    void zeroMaxTokensAndContextLimitFinishAsTheSerialServiceDoes() {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            var none = new Recorder();
            scheduler.submit(prompt(50, 8), greedy(0), none);
            assertEquals(FinishReason.LENGTH, none.await().finish);
            assertEquals(0, none.steps.size());
            assertEquals(0, none.cachedTokens);
            // the context fills before max_tokens: length, exactly where the serial service stops
            runAgainstSerial(scheduler, List.of(prompt(51, CONTEXT - 10)), greedy(100));
        }
    }

    @Test
    void impossibleOptionsAreRejectedWithTheirNumbers() {
        long twoBlocks = 2 * io.qwen4j.engine.PagedKvPool.bytesPerBlock(MODEL.config(), KvCacheType.F32);
        var small = assertThrows(io.qwen4j.InvalidInputException.class,
                () -> new BatchScheduler(MODEL, options().withKvBudgetBytes(twoBlocks)));
        assertTrue(small.getMessage().contains("holds 2 blocks, fewer than one context of 96 tokens needs (6)"),
                small.getMessage());
        var longer = assertThrows(io.qwen4j.InvalidInputException.class,
                () -> new BatchScheduler(MODEL, SchedulerOptions.defaults(CONTEXT + 1)));
        assertTrue(longer.getMessage().contains("97"), longer.getMessage());
        assertThrows(io.qwen4j.InvalidInputException.class, () -> options().withParallel(0));
        assertThrows(io.qwen4j.InvalidInputException.class, () -> options().withStepTokens(0));
    }

    @Test
    void aHookThatThrowsFailsOnlyItsOwnRequest() {
        io.qwen4j.engine.StepHook bad = state -> {
            if (state.outputLength() == 3) {
                throw new IllegalArgumentException("hook broke");
            }
            return io.qwen4j.engine.StepHook.CONTINUE;
        };
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            var failing = new Recorder();
            var fine = new Recorder();
            scheduler.submit(prompt(70, 9), new GenerationRequest(SamplingParams.greedy(), 10, Set.of(), List.of(bad)),
                    failing);
            scheduler.submit(prompt(71, 9), greedy(10), fine);
            fine.await();
            assertThrows(AssertionError.class, failing::await);
            assertEquals("hook broke", failing.error.getMessage());
            assertEquals(3, failing.steps.size());
            eventually(() -> scheduler.stats().kvBlocksUsed() == 0, "blocks freed");
            assertSameSteps(serial(prompt(71, 9), greedy(10)), fine);
        }
    }

    @Test
    void closeEndsRunningAndQueuedStreams() {
        var scheduler = new BatchScheduler(MODEL, options().withParallel(1));
        var running = new Recorder();
        var queued = new Recorder();
        // 2 ms a step keeps the first stream running for 160 ms or more: without it the tiny model finished both
        // streams before close() in one CI run (the test thread descheduled on a busy 2-core box)
        io.qwen4j.engine.StepHook paced = state -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            return io.qwen4j.engine.StepHook.CONTINUE;
        };
        Submission first = scheduler.submit(prompt(60, 20),
                new GenerationRequest(SamplingParams.greedy(), 80, Set.of(), List.of(paced)), running);
        Submission second = scheduler.submit(prompt(61, 20), greedy(80), queued);
        eventually(() -> !running.steps.isEmpty(), "first stream started");
        scheduler.close();
        assertTrue(first.isDone());
        assertTrue(second.isDone());
        assertNull(queued.finish);
        assertEquals("the generation service shut down", queued.error.getMessage());
        assertTrue(running.finish != null || running.error != null, "the running stream was told");
        assertThrows(IllegalStateException.class, () -> scheduler.submit(prompt(62, 3), greedy(1), new Recorder()));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
