package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.model.Model;
import io.qwen4j.model.TinyModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Everything at once, seeded: prompts sharing prefixes (prefix hits), a pool too small for the running
 * sequences (preemption, recompute, resumed prefix hits), small prefill chunks, sampled and greedy
 * requests, and clients that cancel or throw part-way. Every request that completes must equal the serial
 * service's output for it, in F32, F16 and Q8_0 (on a model with heads of 32), and the pool must be empty at the end.
 */
class SchedulerSoakTest {

    static final SerialGenerationService SERIAL_F32 =
            new SerialGenerationService(BatchSchedulerTest.MODEL, KvCacheType.F32, BatchSchedulerTest.CONTEXT, 64);
    static final SerialGenerationService SERIAL_F16 =
            new SerialGenerationService(BatchSchedulerTest.MODEL, KvCacheType.F16, BatchSchedulerTest.CONTEXT, 64);
    static final Model HEADS_OF_32 = TinyModels.qwen3(13, BatchSchedulerTest.CONTEXT, 32);
    static final SerialGenerationService SERIAL_Q8_0 =
            new SerialGenerationService(HEADS_OF_32, KvCacheType.Q8_0, BatchSchedulerTest.CONTEXT, 64);

    @AfterAll
    static void close() {
        SERIAL_F32.close();
        SERIAL_F16.close();
        SERIAL_Q8_0.close();
    }

    record Case(int[] prompt, GenerationRequest request, int cancelAt) {
    }

    @Test
    void mixedLoadMatchesTheSerialServiceF32() {
        soak(BatchSchedulerTest.MODEL, KvCacheType.F32, SERIAL_F32, 1);
    }

    @Test
    void mixedLoadMatchesTheSerialServiceF16() {
        soak(BatchSchedulerTest.MODEL, KvCacheType.F16, SERIAL_F16, 2);
    }

    /** Blocks of one quantized head per position and kind: preemption and prefix hits must not disturb them either. */
    @Test
    void mixedLoadMatchesTheSerialServiceQ8_0() {
        soak(HEADS_OF_32, KvCacheType.Q8_0, SERIAL_Q8_0, 3);
    }

    private static void soak(Model model, KvCacheType type, SerialGenerationService serial, long seed) {
        var random = new Random(seed);
        int[][] prefixes = {BatchSchedulerTest.prompt(seed * 100, 37), BatchSchedulerTest.prompt(seed * 100 + 1, 20)};
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            int[] prefix = prefixes[random.nextInt(prefixes.length)];
            int suffix = 1 + random.nextInt(20);
            int[] prompt = Arrays.copyOf(prefix, prefix.length + suffix);
            System.arraycopy(BatchSchedulerTest.prompt(random.nextLong(), suffix), 0, prompt, prefix.length, suffix);
            SamplingParams sampling = random.nextBoolean() ? SamplingParams.greedy()
                    : SamplingParams.greedy().withTemperature(0.8).withTopK(30).withSeed(random.nextLong());
            int maxTokens = 5 + random.nextInt(30);
            int cancelAt = random.nextInt(5) == 0 ? 1 + random.nextInt(maxTokens) : -1;
            cases.add(new Case(prompt, new GenerationRequest(sampling.withTopLogprobs(1), maxTokens, Set.of()), cancelAt));
        }
        long bytes = 9 * PagedKvPool.bytesPerBlock(model.config(), type);
        var options = BatchSchedulerTest.options().withKvCacheType(type).withKvBudgetBytes(bytes).withStepTokens(16);
        List<Recorder> recorders = new ArrayList<>();
        try (var scheduler = new BatchScheduler(model, options)) {
            for (Case c : cases) {
                Recorder r = c.cancelAt < 0 ? new Recorder() : new Recorder() {
                    @Override
                    public void onStep(GenerationStep step) {
                        super.onStep(step);
                        if (steps.size() == c.cancelAt) {
                            throw new IllegalStateException("client gone");
                        }
                    }
                };
                scheduler.submit(c.prompt, c.request, r);
                recorders.add(r);
            }
            for (Recorder r : recorders) {
                try {
                    r.ended.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            BatchSchedulerTest.eventually(() -> scheduler.stats().kvBlocksUsed() == 0, "all blocks released");
            assertEquals(0, scheduler.stats().running());
            assertTrue(scheduler.preemptions() > 0, "the pool was meant to force preemption");
        }
        int completed = 0;
        int prefixHits = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Recorder r = recorders.get(i);
            prefixHits += r.cachedTokens > 0 ? 1 : 0;
            var expected = new Recorder();
            serial.submit(c.prompt, c.request, expected);
            expected.await();
            if (c.cancelAt < 0) {
                BatchSchedulerTest.assertSameSteps(expected, r.await());
                completed++;
            } else {
                assertEquals(c.cancelAt, r.steps.size());
                assertEquals("client gone", r.error.getMessage());
                for (int s = 0; s < c.cancelAt; s++) {
                    assertEquals(expected.steps.get(s).token(), r.steps.get(s).token());
                }
            }
        }
        assertTrue(completed >= 8, "most requests run to the end: " + completed);
        assertTrue(prefixHits > 0, "shared prefixes were meant to hit the cache");
    }
}
