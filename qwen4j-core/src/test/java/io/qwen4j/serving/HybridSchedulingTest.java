package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.model.Model;
import io.qwen4j.model.TinyModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scheduler on a hybrid (Qwen3.5) model, with {@link BatchSchedulerTest}'s helpers. Its recurrent state cannot be
 * cut back like keys and values, so cached blocks are a start only where the scheduler kept a copy of the state: a
 * prompt's last two block boundaries ({@link RecurrentStateCache}). Every output is checked against the serial service, which
 * computes each request alone from position 0.
 */
class HybridSchedulingTest {

    private static final Model HYBRID = TinyModels.qwen35(12, BatchSchedulerTest.CONTEXT);

    private static Recorder alone(int[] prompt, GenerationRequest request) {
        try (var serial = new SerialGenerationService(HYBRID, KvCacheType.F32, BatchSchedulerTest.CONTEXT, 8)) {
            var r = new Recorder();
            serial.submit(prompt, request, r);
            return r.await();
        }
    }

    private static Recorder run(BatchScheduler scheduler, int[] prompt, int maxTokens) {
        var r = new Recorder();
        scheduler.submit(prompt, BatchSchedulerTest.greedy(maxTokens), r);
        return r.await();
    }

    /**
     * States are kept at the prompt's last two block boundaries (a 56-token prompt: 48 and 32). The same prompt again
     * resumes at 48; a next turn that keeps the first 46 tokens (a chat template's generation prompt replaced by the
     * answer) at 32; a prompt sharing only the first block, where no state was kept, starts from 0 but keeps one there,
     * from which a third prompt branching at the same place resumes. Each gives the request alone's tokens and
     * log-probs.
     */
    @Test
    void promptsResumeFromTheStatesKeptAtAPromptsLastBlockBoundaries() {
        int[] system = BatchSchedulerTest.prompt(44, 56);
        try (var scheduler = new BatchScheduler(HYBRID, BatchSchedulerTest.options())) {
            Recorder first = run(scheduler, system, 6);
            assertEquals(0, first.cachedTokens);
            BatchSchedulerTest.assertSameSteps(alone(system, BatchSchedulerTest.greedy(6)), first);

            Recorder again = run(scheduler, system, 6);
            assertEquals(48, again.cachedTokens, "resumed at the state kept at the last boundary");
            BatchSchedulerTest.assertSameSteps(first, again);

            int[] nextTurn = Arrays.copyOf(system, 66);
            System.arraycopy(first.tokens(), 0, nextTurn, 46, 6);
            System.arraycopy(BatchSchedulerTest.prompt(46, 14), 0, nextTurn, 52, 14);
            Recorder turn = run(scheduler, nextTurn, 5);
            assertEquals(32, turn.cachedTokens, "resumed at the state kept one block earlier");
            BatchSchedulerTest.assertSameSteps(alone(nextTurn, BatchSchedulerTest.greedy(5)), turn);

            int[] sharesOneBlock = Arrays.copyOf(system, 60); // its own states go at 48 and 32
            System.arraycopy(BatchSchedulerTest.prompt(47, 44), 0, sharesOneBlock, 16, 44);
            Recorder other = run(scheduler, sharesOneBlock, 4);
            assertEquals(0, other.cachedTokens, "no state was kept after the first block");
            BatchSchedulerTest.assertSameSteps(alone(sharesOneBlock, BatchSchedulerTest.greedy(4)), other);

            // that prompt branched from the cached blocks after the first one, so a state was kept there: the next
            // prompt branching at the same place (a third user after the same system prompt) resumes from it
            int[] thirdUser = Arrays.copyOf(system, 30);
            System.arraycopy(BatchSchedulerTest.prompt(48, 14), 0, thirdUser, 16, 14);
            Recorder third = run(scheduler, thirdUser, 4);
            assertEquals(16, third.cachedTokens, "resumed at the branch point");
            BatchSchedulerTest.assertSameSteps(alone(thirdUser, BatchSchedulerTest.greedy(4)), third);
        }
        try (var noCache = new BatchScheduler(HYBRID, BatchSchedulerTest.options().withPrefixCaching(false))) {
            run(noCache, system, 3);
            assertEquals(0, run(noCache, system, 3).cachedTokens);
        }
    }

    /** Concurrent sequences in shared steps (chunked prefill, one resuming from a kept state) give each alone's tokens. */
    @Test
    void concurrentHybridSequencesBatchExactly() {
        int[] system = BatchSchedulerTest.prompt(44, 40);
        int[] other = BatchSchedulerTest.prompt(45, 30);
        try (var scheduler = new BatchScheduler(HYBRID, BatchSchedulerTest.options())) {
            run(scheduler, system, 3);
            var again = new Recorder();
            var concurrent = new Recorder();
            scheduler.submit(system, BatchSchedulerTest.greedy(6), again);
            scheduler.submit(other, BatchSchedulerTest.greedy(6), concurrent);
            again.await();
            concurrent.await();
            assertEquals(32, again.cachedTokens);
            BatchSchedulerTest.assertSameSteps(alone(system, BatchSchedulerTest.greedy(6)), again);
            BatchSchedulerTest.assertSameSteps(alone(other, BatchSchedulerTest.greedy(6)), concurrent);
        }
    }

    /**
     * A pool too small for four sequences preempts the newest; resumed, each takes its prompt's kept state back where
     * its blocks are still cached (or starts over) and still gives the request alone's tokens and log-probs.
     */
    @Test
    void preemptedHybridSequencesResumeExactly() {
        long bytes = 7 * PagedKvPool.bytesPerBlock(HYBRID.config(), KvCacheType.F32);
        try (var scheduler = new BatchScheduler(HYBRID,
                BatchSchedulerTest.options().withKvBudgetBytes(bytes).withStepTokens(64))) {
            List<int[]> prompts = List.of(BatchSchedulerTest.prompt(7, 40), BatchSchedulerTest.prompt(8, 20),
                    BatchSchedulerTest.prompt(9, 36), BatchSchedulerTest.prompt(10, 18));
            // computed before the scheduler runs: two generation loops on one model share its logits buffer
            List<Recorder> expected = new ArrayList<>();
            for (int[] p : prompts) {
                expected.add(alone(p, BatchSchedulerTest.greedy(30)));
            }
            List<Recorder> recorders = new ArrayList<>();
            for (int[] p : prompts) {
                var r = new Recorder();
                scheduler.submit(p, BatchSchedulerTest.greedy(30), r);
                recorders.add(r);
            }
            for (int i = 0; i < prompts.size(); i++) {
                recorders.get(i).await();
                BatchSchedulerTest.assertSameSteps(expected.get(i), recorders.get(i));
            }
            assertTrue(scheduler.preemptions() > 0, "the pool was meant to be too small");
        }
    }
}
