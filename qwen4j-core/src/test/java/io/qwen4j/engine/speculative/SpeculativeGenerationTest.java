package io.qwen4j.engine.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.Generation;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.ScriptedModel;
import io.qwen4j.model.Model;
import io.qwen4j.model.TinyModels;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Speculative decoding gives the steps plain decoding gives, in fewer passes where the guesses are right: on a
 * scripted fake model (which passes were run, at which positions) and on a tiny real model against plain decoding
 * on the same model, greedy and seeded sampling.
 */
class SpeculativeGenerationTest {

    /** The next token after t: a cycle through 0..7 (and another through 8..15). */
    static final int[] NEXT = {1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8};

    static ScriptedModel scripted() {
        return new ScriptedModel(t -> NEXT[t]);
    }

    private static final SpeculationOptions NGRAM = SpeculationOptions.parse("ngram", 4).withoutPauses();

    private static int[] tokens(List<GenerationStep> steps) {
        return steps.stream().mapToInt(GenerationStep::token).toArray();
    }

    private static Generation start(Model model, SpeculationOptions speculation, int[] prompt, GenerationRequest request) {
        var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, model.config().contextLength());
        return new Generator(model, speculation).start(prompt, cache, request);
    }

    @Test
    void rightGuessesAreStepsWithoutPassesOfTheirOwn() {
        var model = scripted();
        // the cycle 0..7 once in the prompt: every later n-gram of it has a right continuation
        int[] prompt = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1};
        Generation generation = start(model, NGRAM, prompt, new GenerationRequest(SamplingParams.greedy(), 12, Set.of()));
        assertArrayEquals(new int[] {2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5}, tokens(generation.drain(s -> { })));
        assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow());
        // the draft length grows 1, 2, 3, 4 as every guess is right: passes feed the prompt, then 1+1, 1+2, 1+3, 1+4
        assertArrayEquals(new int[] {2, 3}, model.fed.get(1));
        assertArrayEquals(new int[] {4, 5, 6}, model.fed.get(2));
        assertArrayEquals(new int[] {7, 0, 1, 2}, model.fed.get(3));
        assertArrayEquals(new int[] {3, 4}, model.fed.get(4), "room for one guess before the 12th token");
        assertEquals(List.of(0, 10, 12, 15, 19), model.positions);
        assertEquals(5, generation.forwardPasses());
        assertEquals(7, generation.acceptedDrafts(), "12 steps: one per pass plus the right guesses");
        assertEquals(7, generation.draftedTokens());
    }

    @Test
    void aWrongGuessEndsThePassAndItsPositionIsFedAgain() {
        var model = scripted();
        // [0 1 2] was followed by 9 in the prompt, but the model says 3: the guess 9 is checked and rejected
        int[] prompt = {0, 1, 2, 9, 10, 0, 1};
        Generation generation = start(model, NGRAM, prompt, new GenerationRequest(SamplingParams.greedy(), 3, Set.of()));
        assertArrayEquals(new int[] {2, 3, 4}, tokens(generation.drain(s -> { })));
        assertArrayEquals(new int[] {2, 9}, model.fed.get(1), "the last token and the guess after [0 1 2]");
        assertEquals(7, model.positions.get(1));
        assertArrayEquals(new int[] {3}, model.fed.get(2), "the model's own token, at the rejected guess's position");
        assertEquals(8, model.positions.get(2));
        assertEquals(0, generation.acceptedDrafts());
        assertTrue(generation.draftedTokens() >= 1);
    }

    @Test
    void guessesRideOnThePromptsPassAndNeverPastTheRequestsLastToken() {
        var model = scripted();
        int[] prompt = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3};
        // max 3 tokens: the prompt's pass carries one guess (4, after [0 1 2 3]) and gives two steps; the next pass has
        // room for no guess, since its row would choose a fourth token
        Generation generation = start(model, NGRAM, prompt, new GenerationRequest(SamplingParams.greedy(), 3, Set.of()));
        assertArrayEquals(new int[] {4, 5, 6}, tokens(generation.drain(s -> { })));
        assertEquals(2, model.fed.size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4}, model.fed.get(0));
        assertArrayEquals(new int[] {5}, model.fed.get(1));
        // max 2: the prompt's pass and its guess are all there is
        var short2 = scripted();
        start(short2, NGRAM, prompt, new GenerationRequest(SamplingParams.greedy(), 2, Set.of())).drain(s -> { });
        assertEquals(1, short2.fed.size());
        // a stop token the guesses run through ends the output there
        var stopping = scripted();
        Generation stopped = start(stopping, NGRAM, prompt, new GenerationRequest(SamplingParams.greedy(), 20, Set.of(6)));
        assertArrayEquals(new int[] {4, 5, 6}, tokens(stopped.drain(s -> { })));
        assertEquals(FinishReason.STOP, stopped.finishReason().orElseThrow());
    }

    private static final int CONTEXT = 160;
    private static final Model TINY = TinyModels.qwen3(23, CONTEXT);

    private static int[] prompt(long seed) {
        var random = new Random(seed);
        int[] prompt = new int[24];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = i < 12 ? random.nextInt(300) : prompt[i - 12]; // a repeat, as in a quote or a code edit
        }
        return prompt;
    }

    @Test
    void aRealModelGivesThePlainStepsGreedyAndSeeded() {
        long accepted = 0;
        long passes = 0;
        long steps = 0;
        for (long seed = 1; seed <= 4; seed++) {
            for (SamplingParams sampling : List.of(SamplingParams.greedy().withTopLogprobs(2),
                    new SamplingParams(0.8, 40, 0.95, 0, 1, 0, 0, java.util.OptionalLong.of(seed), 2))) {
                var request = new GenerationRequest(sampling, 48, Set.of());
                List<GenerationStep> plain = start(TINY, SpeculationOptions.OFF, prompt(seed), request).drain(s -> { });
                Generation speculative = start(TINY, NGRAM, prompt(seed), request);
                List<GenerationStep> guessed = speculative.drain(s -> { });
                assertArrayEquals(tokens(plain), tokens(guessed), "seed " + seed + ", " + sampling);
                for (int i = 0; i < plain.size(); i++) {
                    assertEquals(plain.get(i).logprob(), guessed.get(i).logprob(), 1e-5, "step " + i);
                    assertEquals(plain.get(i).topLogprobs().get(1).token(), guessed.get(i).topLogprobs().get(1).token());
                }
                accepted += speculative.acceptedDrafts();
                passes += speculative.forwardPasses();
                steps += guessed.size();
            }
        }
        assertTrue(accepted > 0, "some guesses were right, so the check ran");
        assertEquals(steps, passes + accepted, "each step came from a pass's first row or a right guess");
    }

    @Test
    void aHybridModelTakesBackItsStateAfterWrongGuesses() {
        // its linear attention folds every fed token into a state: wrong guesses must not stay in it, also when a stop
        // token among right guesses ends the output before the pass's later guesses (a chat's next turn continues
        // from the state of every token but the last)
        Model hybrid = TinyModels.qwen35(7, CONTEXT);
        long rejected = 0;
        long accepted = 0;
        for (long seed = 1; seed <= 4; seed++) {
            var request = new GenerationRequest(SamplingParams.greedy().withTopLogprobs(2), 64, Set.of());
            int[] plainTokens = tokens(start(hybrid, SpeculationOptions.OFF, prompt(seed), request).drain(s -> { }));
            for (int stopAt : new int[] {-1, 20, 41, 63}) {
                var stopping = stopAt < 0 ? request
                        : new GenerationRequest(request.sampling(), 64, Set.of(plainTokens[stopAt]));
                var plainCache = ContiguousKvCache.forContext(hybrid.config(), KvCacheType.F32, CONTEXT);
                List<GenerationStep> plain = new Generator(hybrid).start(prompt(seed), plainCache, stopping)
                        .drain(s -> { });
                var cache = ContiguousKvCache.forContext(hybrid.config(), KvCacheType.F32, CONTEXT);
                Generation guessed = new Generator(hybrid, SpeculationOptions.parse("ngram", 4, 1).withoutPauses())
                        .start(prompt(seed), cache, stopping);
                List<GenerationStep> steps = guessed.drain(s -> { });
                assertArrayEquals(tokens(plain), tokens(steps), "seed " + seed + ", stop at " + stopAt);
                for (int i = 0; i < plain.size(); i++) {
                    assertEquals(plain.get(i).logprob(), steps.get(i).logprob(), 1e-5, "step " + i);
                }
                assertEquals(prompt(seed).length + steps.size() - 1,
                        hybrid.saveRecurrentState(cache).orElseThrow().position(), "the state holds all but the last");
                rejected += guessed.draftedTokens() - guessed.acceptedDrafts();
                accepted += guessed.acceptedDrafts();
            }
        }
        assertTrue(rejected > 0 && accepted > 0, "right and wrong guesses both happened: " + accepted + ", " + rejected);
    }

    @Test
    void aHybridCutShortHoldsWhatItSaysItHolds() {
        // a chat turn cancelled after any step: the next turn trusts cachedTokens() for the KV cache and the state
        Model hybrid = TinyModels.qwen35(7, CONTEXT);
        var request = new GenerationRequest(SamplingParams.greedy(), 64, Set.of());
        for (int pulled = 1; pulled <= 40; pulled += 3) {
            var cache = ContiguousKvCache.forContext(hybrid.config(), KvCacheType.F32, CONTEXT);
            Generation guessed = new Generator(hybrid, SpeculationOptions.parse("ngram", 4, 1).withoutPauses())
                    .start(prompt(2), cache, request);
            for (int i = 0; i < pulled; i++) {
                guessed.next();
            }
            int[] held = guessed.cachedTokens();
            assertEquals(held.length, hybrid.saveRecurrentState(cache).orElseThrow().position(), "after " + pulled);
            assertArrayEquals(prompt(2), Arrays.copyOf(held, prompt(2).length));
        }
    }
}
