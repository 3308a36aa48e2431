package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.Model;
import io.qwen4j.model.TinyModels;
import org.junit.jupiter.api.Test;

/** The scheduler on a hybrid (Qwen3.5) model, with {@link BatchSchedulerTest}'s helpers. */
class HybridSchedulingTest {

    /**
     * A hybrid model's recurrent state is per sequence, so its prompts never start from cached blocks: the same prompt
     * twice, and concurrent sequences in shared steps (chunked prefill), give each request alone's tokens.
     */
    @Test
    void hybridModelRecomputesPrefixesAndBatchesExactly() {
        Model hybrid = TinyModels.qwen35(12, BatchSchedulerTest.CONTEXT);
        int[] system = BatchSchedulerTest.prompt(44, 40);
        int[] other = BatchSchedulerTest.prompt(45, 30);
        Recorder alone;
        Recorder otherAlone;
        try (var serial = new SerialGenerationService(hybrid, KvCacheType.F32, BatchSchedulerTest.CONTEXT, 8)) {
            alone = new Recorder();
            serial.submit(system, BatchSchedulerTest.greedy(6), alone);
            alone.await();
            otherAlone = new Recorder();
            serial.submit(other, BatchSchedulerTest.greedy(6), otherAlone);
            otherAlone.await();
        }
        try (var scheduler = new BatchScheduler(hybrid, BatchSchedulerTest.options())) {
            assertEquals(0, BatchSchedulerTest.runOne(scheduler, system).cachedTokens);
            var again = new Recorder();
            var concurrent = new Recorder();
            scheduler.submit(system, BatchSchedulerTest.greedy(6), again);
            scheduler.submit(other, BatchSchedulerTest.greedy(6), concurrent);
            again.await();
            concurrent.await();
            assertEquals(0, again.cachedTokens, "no prefix hit for a hybrid model");
            BatchSchedulerTest.assertSameSteps(alone, again);
            BatchSchedulerTest.assertSameSteps(otherAlone, concurrent);
        }
    }
}
