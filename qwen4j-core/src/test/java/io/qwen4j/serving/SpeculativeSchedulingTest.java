package io.qwen4j.serving;

import static io.qwen4j.serving.BatchSchedulerTest.MODEL;
import static io.qwen4j.serving.BatchSchedulerTest.assertSameSteps;
import static io.qwen4j.serving.BatchSchedulerTest.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Speculative decoding in the batching scheduler gives the serial service's steps, alone, beside another stream,
 * short of blocks, and into the prefix cache (blocks registered after guesses hold the right keys and values).
 */
class SpeculativeSchedulingTest {

    static final SerialGenerationService SERIAL = new SerialGenerationService(MODEL, KvCacheType.F32,
            BatchSchedulerTest.CONTEXT, 64);

    @AfterAll
    static void closeSerial() {
        SERIAL.close();
    }

    static void runAgainstSerial(BatchScheduler scheduler, List<int[]> prompts, GenerationRequest request) {
        BatchSchedulerTest.runAgainstSerial(SERIAL, scheduler, prompts, request);
    }

    static SchedulerOptions options() {
        return BatchSchedulerTest.options().withSpeculation(SpeculationOptions.parse("ngram", 4).withoutPauses());
    }

    /** 12 random tokens said twice and a half, as a quote or a code edit repeats its input. */
    static int[] repetitive(long seed) {
        var random = new Random(seed);
        int[] prompt = new int[30];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = i < 12 ? random.nextInt(300) : prompt[i - 12];
        }
        return prompt;
    }

    static GenerationRequest sampled(long seed, int maxTokens) {
        return new GenerationRequest(new SamplingParams(0.7, 20, 0.9, 0, 1, 0, 0, OptionalLong.of(seed), 3), maxTokens,
                Set.of());
    }

    @Test
    void oneStreamOrTwoGiveTheSerialStepsWithRightGuesses() {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            for (long seed = 1; seed <= 3; seed++) {
                runAgainstSerial(scheduler, List.of(repetitive(seed)), BatchSchedulerTest.greedy(40));
                runAgainstSerial(scheduler, List.of(repetitive(seed + 10)), sampled(seed, 40));
            }
            assertTrue(scheduler.acceptedDrafts() > 0, "some guesses were right");
            assertTrue(scheduler.draftedTokens() >= scheduler.acceptedDrafts());
            // one stream guesses while the other prefills: the same steps too
            runAgainstSerial(scheduler, List.of(repetitive(21), repetitive(22)), BatchSchedulerTest.greedy(40));
        }
    }

    @Test
    void fourStreamsGiveTheSerialSteps() {
        // whichever of them decodes alone (the others still prefilling) guesses; together they do not
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            List<int[]> prompts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                prompts.add(repetitive(30 + i));
            }
            runAgainstSerial(scheduler, prompts, BatchSchedulerTest.greedy(24));
        }
    }

    @Test
    void theOutputSurvivesPreemptionWithGuesses() {
        // 8 blocks of 16 positions for 3 sequences of up to 70: they cannot all hold their guesses, or even run
        long blockBytes = io.qwen4j.engine.PagedKvPool.bytesPerBlock(MODEL.config(), options().kvCacheType());
        try (var scheduler = new BatchScheduler(MODEL, options().withKvBudgetBytes(8 * blockBytes))) {
            runAgainstSerial(scheduler, List.of(repetitive(41), repetitive(42), repetitive(43)),
                    BatchSchedulerTest.greedy(40));
            assertTrue(scheduler.acceptedDrafts() > 0);
        }
    }

    @Test
    void blocksWrittenWithGuessesServeTheNextTurnFromThePrefixCache() {
        try (var scheduler = new BatchScheduler(MODEL, options())) {
            int[] first = repetitive(51);
            var request = BatchSchedulerTest.greedy(40);
            var answer = new Recorder();
            scheduler.submit(first, request, answer);
            answer.await();
            assertTrue(scheduler.acceptedDrafts() > 0);
            // the next turn repeats the prompt and the answer: its blocks come from the cache, written by guess rows
            int[] next = Arrays.copyOf(first, first.length + answer.tokens().length + 2);
            System.arraycopy(answer.tokens(), 0, next, first.length, answer.tokens().length);
            next[next.length - 2] = 7;
            next[next.length - 1] = 8;
            var second = new Recorder();
            scheduler.submit(next, request, second);
            second.await();
            assertTrue(second.cachedTokens >= 48, "cached " + second.cachedTokens);
            assertSameSteps(BatchSchedulerTest.serial(SERIAL, next, request), second);
            eventually(() -> scheduler.stats().kvBlocksUsed() == 0, "all blocks released");
        }
    }

    @Test
    void aDraftModelSharedBySequencesGivesTheSerialSteps() {
        // the model guessing for itself, sure or not: its guesses are its own greedy choices, so right, and the one
        // drafter moves between sequences (a long prompt caught up on over several steps)
        var speculation = SpeculationOptions.OFF.withDraftModel(MODEL).withDraftMinProbability(0).withoutPauses();
        try (var scheduler = new BatchScheduler(MODEL, BatchSchedulerTest.options().withSpeculation(speculation))) {
            runAgainstSerial(scheduler, List.of(repetitive(71)), BatchSchedulerTest.greedy(30));
            long alone = scheduler.acceptedDrafts();
            assertTrue(alone > 0, "guesses were right");
            int[] longPrompt = BatchSchedulerTest.prompt(72, 80);
            runAgainstSerial(scheduler, List.of(longPrompt, repetitive(73)), BatchSchedulerTest.greedy(12));
            runAgainstSerial(scheduler, List.of(repetitive(71)), sampled(5, 30));
            assertTrue(scheduler.acceptedDrafts() > alone);
        }
    }

    @Test
    void aHybridTakesBackWrongGuessesInTheScheduler() {
        // its linear attention's state goes back to the copy from before a pass whose guesses were not all right
        Model hybrid = io.qwen4j.model.TinyModels.qwen35(12, BatchSchedulerTest.CONTEXT);
        var speculation = SpeculationOptions.parse("ngram", 4, 1).withoutPauses();
        try (var serial = new SerialGenerationService(hybrid, KvCacheType.F32, BatchSchedulerTest.CONTEXT, 8);
             var scheduler = new BatchScheduler(hybrid, BatchSchedulerTest.options().withSpeculation(speculation))) {
            for (long seed = 1; seed <= 3; seed++) {
                BatchSchedulerTest.runAgainstSerial(serial, scheduler, List.of(repetitive(80 + seed)),
                        BatchSchedulerTest.greedy(48));
            }
            BatchSchedulerTest.runAgainstSerial(serial, scheduler, List.of(repetitive(91), repetitive(92)),
                    BatchSchedulerTest.greedy(40));
            assertTrue(scheduler.acceptedDrafts() > 0, "right guesses");
            assertTrue(scheduler.draftedTokens() > scheduler.acceptedDrafts(), "and wrong ones");
        }
    }

    @Test
    void speculationIsOffByDefault() {
        assertEquals(false, SchedulerOptions.defaults(64).speculation().enabled());
        try (var scheduler = new BatchScheduler(MODEL, BatchSchedulerTest.options())) {
            runAgainstSerial(scheduler, List.of(repetitive(61)), BatchSchedulerTest.greedy(20));
            assertEquals(0, scheduler.draftedTokens());
        }
    }
}
