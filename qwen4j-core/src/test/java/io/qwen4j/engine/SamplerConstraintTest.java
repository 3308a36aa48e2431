package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** The Sampler's constraint hook against naive selections over the allowed set. */
class SamplerConstraintTest {
    private static final int VOCAB = 5000;

    /** A constraint from a predicate that may change after each accepted token; records calls. */
    private static final class PredicateConstraint implements TokenConstraint {
        final List<IntPredicate> byStep;
        final List<Integer> accepted = new ArrayList<>();
        int allowsCalls;

        PredicateConstraint(List<IntPredicate> byStep) {
            this.byStep = byStep;
        }

        IntPredicate current() {
            return byStep.get(Math.min(accepted.size(), byStep.size() - 1));
        }

        @Override
        public boolean allows(int token) {
            allowsCalls++;
            return current().test(token);
        }

        @Override
        public void accept(int token) {
            accepted.add(token);
        }
    }

    private static float[] randomLogits(Random random) {
        float[] logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            logits[i] = (float) (3 * random.nextGaussian());
        }
        logits[random.nextInt(VOCAB)] = logits[random.nextInt(VOCAB)]; // a tie now and then
        return logits;
    }

    /** Plain argmax over the allowed ids, ties to the lower id. */
    private static int naiveBestAllowed(float[] logits, IntPredicate allowed) {
        int best = -1;
        for (int id = 0; id < logits.length; id++) {
            if (allowed.test(id) && (best < 0 || logits[id] > logits[best])) {
                best = id;
            }
        }
        return best;
    }

    @Test
    void constrainedGreedyIsArgmaxOverTheAllowedSet() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            int modulus = 2 + random.nextInt(400);
            int residue = random.nextInt(modulus);
            IntPredicate allowed = round % 10 == 0 ? id -> id == VOCAB - 1 : id -> id % modulus == residue;
            float[] logits = randomLogits(random);
            var sampler = new Sampler(SamplingParams.greedy(), VOCAB, new PredicateConstraint(List.of(allowed)));
            assertEquals(naiveBestAllowed(logits, allowed), sampler.sample(logits, 0).token(), "round " + round);
        }
    }

    @Test
    void constrainedGreedyAppliesPenaltiesFirst() {
        float[] logits = new float[VOCAB];
        logits[10] = 5;
        logits[20] = 4;
        logits[30] = 3.5f;
        IntPredicate allowed = id -> id == 10 || id == 30;
        var sampler = new Sampler(SamplingParams.greedy().withPresencePenalty(2), VOCAB,
                new PredicateConstraint(List.of(allowed)));
        sampler.accept(10); // 10 drops to 3, below 30
        assertEquals(30, sampler.sample(logits, 0).token());
    }

    @Test
    void sampledTokensAreAllowedAndFollowTheRenormalizedDistribution() {
        // Four allowed tokens among the survivors with probabilities 0.4/0.3/0.2/0.1 of the allowed mass.
        int vocab = 64;
        float[] logits = new float[vocab];
        java.util.Arrays.fill(logits, -30);
        int[] ids = {7, 8, 9, 10, 11};
        double[] probs = {0.4, 0.3, 0.2, 0.1, 5.0}; // id 11 dominates but is refused
        for (int i = 0; i < ids.length; i++) {
            logits[ids[i]] = (float) Math.log(probs[i]);
        }
        IntPredicate allowed = id -> id >= 7 && id <= 10;
        var constraint = new PredicateConstraint(List.of(allowed));
        var sampler = new Sampler(SamplingParams.greedy().withTemperature(1).withSeed(5), vocab, constraint);
        int[] counts = new int[vocab];
        int draws = 20000;
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits, 0).token()]++;
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(probs[i], counts[ids[i]] / (double) draws, 0.015, "token " + ids[i]);
        }
        assertEquals(draws, counts[7] + counts[8] + counts[9] + counts[10]);
    }

    @Test
    void whenNoSurvivorIsAllowedTheBestAllowedTokenOfTheVocabularyIsTaken() {
        Random random = new Random(3);
        for (int round = 0; round < 50; round++) {
            float[] logits = randomLogits(random);
            int modulus = 50 + random.nextInt(500);
            IntPredicate allowed = id -> id % modulus == 1;
            // top-k 3 keeps three tokens; make sure none of them is allowed by testing the result instead
            var sampler = new Sampler(SamplingParams.greedy().withTemperature(0.7).withTopK(3).withSeed(round),
                    VOCAB, new PredicateConstraint(List.of(allowed)));
            int token = sampler.sample(logits, 0).token();
            assertTrue(allowed.test(token));
            int[] top3 = top(logits, 3);
            boolean survivorAllowed = allowed.test(top3[0]) || allowed.test(top3[1]) || allowed.test(top3[2]);
            if (!survivorAllowed) {
                assertEquals(naiveBestAllowed(logits, allowed), token, "round " + round);
            }
        }
    }

    @Test
    void allowAllConstraintChangesNothingForTheSameSeed() {
        Random random = new Random(9);
        var params = SamplingParams.greedy().withTemperature(0.9).withTopP(0.9).withSeed(77).withTopLogprobs(3);
        var free = new Sampler(params, VOCAB);
        var constraint = new PredicateConstraint(List.of(id -> true));
        var constrained = new Sampler(params, VOCAB, constraint);
        for (int step = 0; step < 100; step++) {
            float[] logits = randomLogits(random);
            TokenChoice a = free.sample(logits, 0);
            TokenChoice b = constrained.sample(logits, 0);
            assertEquals(a, b, "step " + step);
            free.accept(a.token());
            constrained.accept(b.token());
        }
        assertEquals(100, constraint.accepted.size());
    }

    @Test
    void acceptForwardsToTheConstraintAndLogprobsStayRaw() {
        float[] logits = randomLogits(new Random(4));
        var constraint = new PredicateConstraint(List.of(id -> id == 42, id -> id == 43));
        var sampler = new Sampler(SamplingParams.greedy().withTopLogprobs(2), VOCAB, constraint);
        TokenChoice first = sampler.sample(logits, 0);
        assertEquals(42, first.token());
        assertEquals(Sampler.logprobs(logits, 0, VOCAB, 42, 2), first);
        sampler.accept(42);
        assertEquals(List.of(42), constraint.accepted);
        assertEquals(43, sampler.sample(logits, 0).token());
    }

    @Test
    void commonCaseAsksTheConstraintOnlyAFewTimes() {
        float[] logits = randomLogits(new Random(8));
        int argmax = naiveBestAllowed(logits, id -> true);
        var constraint = new PredicateConstraint(List.of(id -> true));
        new Sampler(SamplingParams.greedy(), VOCAB, constraint).sample(logits, 0);
        assertEquals(1, constraint.allowsCalls);
        var sampled = new PredicateConstraint(List.of(id -> true));
        new Sampler(SamplingParams.greedy().withTemperature(1).withTopK(20).withSeed(1), VOCAB, sampled).sample(logits, 0);
        assertEquals(1, sampled.allowsCalls);
        assertTrue(argmax >= 0);
    }

    @Test
    void aConstraintAllowingNothingFailsLoudly() {
        var sampler = new Sampler(SamplingParams.greedy(), VOCAB, new PredicateConstraint(List.of(id -> false)));
        assertThrows(IllegalStateException.class, () -> sampler.sample(randomLogits(new Random(1)), 0));
    }

    private static int[] top(float[] logits, int k) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
