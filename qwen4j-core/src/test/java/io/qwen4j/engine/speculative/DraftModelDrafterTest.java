package io.qwen4j.engine.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.Generation;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.model.Model;
import io.qwen4j.model.TinyModels;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A draft model's guesses are its own greedy continuation, after any rejected ones too; the output is the target's. */
class DraftModelDrafterTest {

    static final int CONTEXT = 96;
    static final Model TARGET = TinyModels.qwen3(23, CONTEXT);
    static final Model OTHER = TinyModels.qwen3(24, CONTEXT);
    static final GenerationRequest GREEDY = new GenerationRequest(SamplingParams.greedy(), 8, Set.of());

    private static int[] greedy(Model model, int[] prompt, int tokens) {
        var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, CONTEXT);
        var request = new GenerationRequest(SamplingParams.greedy(), tokens, Set.of());
        return new Generator(model).start(prompt, cache, request).drain(s -> { }).stream()
                .mapToInt(GenerationStep::token).toArray();
    }

    private static SequenceDecoder sequence(int[] tokens) {
        return new SequenceDecoder(tokens, GREEDY, new Sampler(GREEDY.sampling(), TARGET.config().vocabSize()), CONTEXT);
    }

    private static int[] concat(int[] a, int... b) {
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void guessesAreTheDraftModelsGreedyContinuationAfterRejectionsToo() {
        int[] prompt = {5, 17, 230, 4, 99, 12, 7};
        var drafter = new DraftModelDrafter(OTHER, KvCacheType.F32, CONTEXT, 0);
        int[] expected = greedy(OTHER, prompt, 4);
        assertArrayEquals(expected, drafter.draft(sequence(prompt), 4));
        // the target took the first two guesses and then chose 42 instead of the third: the drafter goes back there
        int[] next = concat(prompt, expected[0], expected[1], 42);
        assertArrayEquals(greedy(OTHER, next, 3), drafter.draft(sequence(next), 3));
        // and the same sequence again asks for the newest token's logits once more
        assertArrayEquals(greedy(OTHER, next, 2), drafter.draft(sequence(next), 2));
        // a sequence that took the third guess after all: the cache's position of 42 is overwritten with it
        int[] other = concat(prompt, expected[0], expected[1], expected[2], 42);
        assertArrayEquals(greedy(OTHER, other, 3), drafter.draft(sequence(other), 3));
    }

    @Test
    void aLongUnseenPromptIsCaughtUpOnInPieces() {
        int[] prompt = new int[50];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 37 + 11) % 300;
        }
        var drafter = new DraftModelDrafter(OTHER, KvCacheType.F32, CONTEXT, 0, 16);
        for (int call = 0; call < 3; call++) { // 16 + 16 + 16 of the 50 tokens: nothing to guess yet
            assertArrayEquals(new int[0], drafter.draft(sequence(prompt), 3), "call " + call);
        }
        assertArrayEquals(greedy(OTHER, prompt, 3), drafter.draft(sequence(prompt), 3), "the last 2, then guesses");
        // another sequence that shares the first 10 tokens: 40 to catch up on, in 16 + 16 + 8
        int[] other = prompt.clone();
        for (int i = 10; i < other.length; i++) {
            other[i] = (other[i] + 1) % 300;
        }
        assertArrayEquals(new int[0], drafter.draft(sequence(other), 3));
        assertArrayEquals(new int[0], drafter.draft(sequence(other), 3));
        assertArrayEquals(greedy(OTHER, other, 3), drafter.draft(sequence(other), 3));
    }

    @Test
    void anUnsureDraftModelDoesNotGuess() {
        var drafter = new DraftModelDrafter(OTHER, KvCacheType.F32, CONTEXT, 1.01);
        assertArrayEquals(new int[0], drafter.draft(sequence(new int[] {5, 6, 7}), 4));
    }

    @Test
    void theOutputIsTheTargetsWhateverTheDraftModel() {
        int[] prompt = {5, 17, 230, 4, 99, 12, 7, 5, 17, 230};
        for (Model draftModel : List.of(TARGET, OTHER)) {
            for (long seed = 1; seed <= 2; seed++) {
                var request = new GenerationRequest(new SamplingParams(0.8, 40, 0.95, 0, 1, 0, 0,
                        java.util.OptionalLong.of(seed), 0), 32, Set.of());
                var plainCache = ContiguousKvCache.forContext(TARGET.config(), KvCacheType.F32, CONTEXT);
                List<GenerationStep> plain = new Generator(TARGET).start(prompt, plainCache, request).drain(s -> { });
                var cache = ContiguousKvCache.forContext(TARGET.config(), KvCacheType.F32, CONTEXT);
                Generation guessed = new Generator(TARGET, SpeculationOptions.OFF.withDraftModel(draftModel).withoutPauses())
                        .start(prompt, cache, request);
                List<GenerationStep> steps = guessed.drain(s -> { });
                assertArrayEquals(plain.stream().mapToInt(GenerationStep::token).toArray(),
                        steps.stream().mapToInt(GenerationStep::token).toArray());
                assertEquals(steps.size(), guessed.forwardPasses() + guessed.acceptedDrafts());
                if (draftModel == TARGET) {
                    assertTrue(guessed.acceptedDrafts() > 0, "the target guessing for itself is sometimes sure");
                }
            }
        }
    }

    /** A model that counts the tokens it is fed. */
    static final class Counting implements Model {
        final Model inner;
        long fed;

        Counting(Model inner) {
            this.inner = inner;
        }

        @Override
        public io.qwen4j.model.ModelConfig config() {
            return inner.config();
        }

        @Override
        public io.qwen4j.model.Logits forward(io.qwen4j.model.ForwardBatch batch) {
            fed += batch.tokenCount();
            return inner.forward(batch);
        }
    }

    @Test
    void aChatsNextTurnFindsTheConversationInTheDraftCache() {
        var draft = new Counting(OTHER);
        var generator = new Generator(TARGET, SpeculationOptions.OFF.withDraftModel(draft).withDraftMinProbability(0)
                .withoutPauses());
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 53 + 7) % 300;
        }
        var cache = ContiguousKvCache.forContext(TARGET.config(), KvCacheType.F32, CONTEXT);
        int[] answer = generator.start(prompt, cache, GREEDY).drain(s -> { }).stream()
                .mapToInt(GenerationStep::token).toArray();
        long firstTurn = draft.fed;
        assertTrue(firstTurn >= prompt.length);
        // the next turn: the conversation so far and two new tokens, on a cache of its own
        int[] next = concat(concat(prompt, answer), 5, 6);
        var request = new GenerationRequest(SamplingParams.greedy(), 2, Set.of());
        var nextCache = ContiguousKvCache.forContext(TARGET.config(), KvCacheType.F32, CONTEXT);
        generator.start(next, nextCache, request).drain(s -> { });
        assertTrue(draft.fed - firstTurn <= answer.length + 2, "fed again: " + (draft.fed - firstTurn));
    }

    @Test
    void aHybridDraftModelIsRefused() {
        Model hybrid = TinyModels.qwen35(5, 64);
        assertThrows(InvalidInputException.class, () -> SpeculationOptions.OFF.withDraftModel(hybrid));
    }
}
