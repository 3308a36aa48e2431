package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * How the scheduler composes forward passes, on a fake model with no weights whose next token is always
 * (last + 1) mod vocab: a long prompt is split into chunks within the step's token budget while a running
 * stream keeps getting one token per step, and every position is fed exactly once, in order.
 */
class ChunkedPrefillTest {

    static final int VOCAB = 50;

    /** Records each batch as (tokens per sequence, start position per sequence). */
    static final class FakeModel implements Model {
        final ModelConfig config = ModelConfig.builder("qwen3").hiddenSize(8).numLayers(1).numHeads(1)
                .numKeyValueHeads(1).headDim(8).intermediateSize(8).vocabSize(VOCAB).contextLength(256).build();
        final List<List<int[]>> batches = new CopyOnWriteArrayList<>();

        @Override
        public ModelConfig config() {
            return config;
        }

        @Override
        public Logits forward(ForwardBatch batch) {
            int n = batch.sequences().size();
            float[] logits = new float[n * VOCAB];
            int[] first = new int[n];
            int[] counts = new int[n];
            List<int[]> shape = new java.util.ArrayList<>();
            for (int s = 0; s < n; s++) {
                var seq = batch.sequences().get(s);
                shape.add(new int[] {seq.tokens().length, seq.startPosition()});
                logits[s * VOCAB + (seq.tokens()[seq.tokens().length - 1] + 1) % VOCAB] = 10;
                first[s] = s;
                counts[s] = 1;
            }
            batches.add(shape);
            return new Logits(logits, VOCAB, first, counts);
        }
    }

    @Test
    void longPromptIsChunkedWhileARunningStreamDecodesEveryStep() {
        var model = new FakeModel();
        var options = SchedulerOptions.defaults(256).withKvCacheType(KvCacheType.F32).withParallel(2).withStepTokens(20);
        try (var scheduler = new BatchScheduler(model, options)) {
            var request = new GenerationRequest(SamplingParams.greedy(), 12, Set.of());
            var submitted = new java.util.concurrent.CountDownLatch(1);
            // the first stream holds the engine at its second step until the long prompt is queued
            var stream = new Recorder() {
                @Override
                public void onStep(io.qwen4j.engine.GenerationStep step) {
                    super.onStep(step);
                    if (steps.size() == 2) {
                        try {
                            submitted.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            };
            scheduler.submit(new int[] {1, 2, 3}, request, stream);
            BatchSchedulerTest.eventually(() -> stream.steps.size() == 2, "first stream held at its second step");
            int[] longPrompt = new int[70];
            for (int i = 0; i < 70; i++) {
                longPrompt[i] = i % VOCAB;
            }
            var late = new Recorder();
            scheduler.submit(longPrompt, request, late);
            submitted.countDown();
            stream.await();
            late.await();
            assertArrayEquals(new int[] {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, stream.tokens());
            assertEquals(20, late.tokens()[0], "69 -> 19 is the prompt's last token; the model says +1");
            int maxBatchTokens = 0;
            int chunkedSteps = 0;
            for (List<int[]> batch : model.batches) {
                int tokens = batch.stream().mapToInt(s -> s[0]).sum();
                maxBatchTokens = Math.max(maxBatchTokens, tokens);
                if (batch.size() == 2 && batch.get(1)[0] > 1) {
                    chunkedSteps++;
                    assertEquals(1, batch.get(0)[0], "the running stream gets its one token beside the chunk");
                }
            }
            assertTrue(maxBatchTokens <= 20, "no step over the token budget: " + maxBatchTokens);
            assertTrue(chunkedSteps >= 3, "70 tokens at <= 19 per step take 4 chunks beside the stream, got " + chunkedSteps);
            // every position of the late sequence is fed once, in order: chunks tile [0, 70 + 11)
            int next = 0;
            for (List<int[]> batch : model.batches) {
                for (int[] s : batch) {
                    if (s[1] == next && (next > 0 || s[0] > 3)) {
                        next += s[0];
                    }
                }
            }
            assertEquals(70 + 11, next);
        }
    }
}
