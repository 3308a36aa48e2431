package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] logitsOfProbabilities(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    private static float[] randomLogits(long seed, int n) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (3 * r.nextGaussian());
        }
        return l;
    }

    private static int[] kept(Candidates c) {
        int[] ids = new int[c.size];
        System.arraycopy(c.ids, 0, ids, 0, c.size);
        return ids;
    }

    @Test
    void greedyIsArgmaxWithLowestIdOnTies() {
        float[] logits = randomLogits(1, 300);
        int argmax = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[argmax]) {
                argmax = i;
            }
        }
        assertEquals(argmax, new Sampler(SamplingParams.greedy(), 300).sample(logits, 0).token());
        assertEquals(1, new Sampler(SamplingParams.greedy(), 4).sample(new float[] {0, 5, 1, 5}, 0).token());
        // with an offset into a larger buffer
        float[] buffer = new float[310];
        System.arraycopy(logits, 0, buffer, 10, 300);
        assertEquals(argmax, new Sampler(SamplingParams.greedy(), 300).sample(buffer, 10).token());
    }

    @Test
    void seededSamplingIsReproducible() {
        float[] logits = randomLogits(2, 300);
        var params = SamplingParams.greedy().withTemperature(1.5).withSeed(1234);
        int[] a = new int[50];
        int[] b = new int[50];
        int[] c = new int[50];
        Sampler sa = new Sampler(params, 300);
        Sampler sb = new Sampler(params, 300);
        Sampler sc = new Sampler(params.withSeed(99), 300);
        for (int i = 0; i < 50; i++) {
            a[i] = sa.sample(logits, 0).token();
            b[i] = sb.sample(logits, 0).token();
            c[i] = sc.sample(logits, 0).token();
        }
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
        assertEquals(1234, sa.seed());
    }

    @Test
    void drawFollowsSoftmaxOfLogitsOverTemperature() {
        float[] logits = {1, 2, 0, 3};
        double t = 2;
        var sampler = new Sampler(SamplingParams.greedy().withTemperature(t).withSeed(7), 4);
        int[] counts = new int[4];
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            counts[sampler.sample(logits, 0).token()]++;
        }
        double z = 0;
        for (float l : logits) {
            z += Math.exp(l / t);
        }
        for (int i = 0; i < 4; i++) {
            double expected = Math.exp(logits[i] / t) / z;
            assertEquals(expected, counts[i] / (double) n, 0.01, "token " + i);
        }
    }

    @Test
    void topKKeepsTheKBest() {
        var c = new Candidates(5);
        c.reset(new float[] {1, 5, 3, 4, 2}, 0);
        new SamplingStep.TopK(2).apply(c);
        assertArrayEquals(new int[] {1, 3}, kept(c));
        var sampler = new Sampler(SamplingParams.greedy().withTemperature(1).withTopK(2).withSeed(3), 5);
        Set<Integer> drawn = new TreeSet<>();
        for (int i = 0; i < 200; i++) {
            drawn.add(sampler.sample(new float[] {1, 5, 3, 4, 2}, 0).token());
        }
        assertEquals(Set.of(1, 3), drawn);
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        // probabilities 0.5, 0.3, 0.15, 0.05 (ids shuffled): cumulative 0.5, 0.8, 0.95, 1.0
        float[] logits = logitsOfProbabilities(0.15, 0.5, 0.05, 0.3);
        double[][] cases = {{0.4, 1}, {0.75, 2}, {0.85, 3}, {0.99, 4}, {1.0, 4}};
        for (double[] tc : cases) {
            var c = new Candidates(4);
            c.reset(logits, 0);
            new SamplingStep.TopP(tc[0], new double[4]).apply(c);
            assertEquals((int) tc[1], c.size, "top_p " + tc[0]);
        }
        var c = new Candidates(4);
        c.reset(logits, 0);
        new SamplingStep.TopP(0.85, new double[4]).apply(c);
        assertArrayEquals(new int[] {1, 3, 0}, kept(c));
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        float[] logits = logitsOfProbabilities(0.15, 0.5, 0.05, 0.3);
        var c = new Candidates(4);
        c.reset(logits, 0);
        new SamplingStep.MinP(0.25, new double[4]).apply(c); // threshold 0.125
        assertArrayEquals(new int[] {1, 3, 0}, kept(c));
        c.reset(logits, 0);
        new SamplingStep.MinP(0.7, new double[4]).apply(c); // threshold 0.35
        assertArrayEquals(new int[] {1}, kept(c));
    }

    @Test
    void topPAfterTopKRenormalisesOverTheKept() {
        // After top-2 of (0.5, 0.3, 0.15, 0.05) the kept probabilities are 0.625, 0.375: top_p 0.6 keeps one.
        float[] logits = logitsOfProbabilities(0.5, 0.3, 0.15, 0.05);
        var c = new Candidates(4);
        c.reset(logits, 0);
        new SamplingStep.TopK(2).apply(c);
        new SamplingStep.TopP(0.6, new double[4]).apply(c);
        assertArrayEquals(new int[] {0}, kept(c));
    }

    @Test
    void penaltiesFollowHfAndOpenAiDefinitions() {
        var history = new TokenHistory(4);
        history.addPrompt(0);
        history.addPrompt(1);
        history.addOutput(2);
        history.addOutput(2);
        history.addOutput(0);
        var c = new Candidates(4);
        c.reset(new float[] {2, -2, 1, 7}, 0);
        new SamplingStep.Penalties(history, 2, 0.5, 0.25).apply(c);
        // token 0: 2 / 2 = 1, then output count 1: - (0.5 + 0.25) = 0.25
        // token 1: prompt only: -2 * 2 = -4
        // token 2: 1 / 2 = 0.5, count 2: - (0.5 + 0.5) = -0.5
        // token 3: never seen: 7
        assertArrayEquals(new float[] {0.25f, -4f, -0.5f, 7f}, c.logits);
    }

    @Test
    void penaltiesChangeGreedyChoiceButNotLogprobs() {
        float[] logits = {3, 2.5f, 0};
        var sampler = new Sampler(SamplingParams.greedy().withFrequencyPenalty(1).withTopLogprobs(2), 3);
        sampler.accept(0);
        TokenChoice choice = sampler.sample(logits, 0);
        assertEquals(1, choice.token());
        double lse = Math.log(Math.exp(3) + Math.exp(2.5) + Math.exp(0));
        assertEquals(2.5 - lse, choice.logprob(), 1e-6);
        assertEquals(List.of(new TokenChoice.TopLogprob(0, (float) (3 - lse)), new TokenChoice.TopLogprob(1, (float) (2.5 - lse))),
                choice.topLogprobs());
    }

    @Test
    void logitBiasIsAddedFirstAndLeavesLogprobsRaw() {
        float[] logits = {3, 2.5f, 0, 1};
        // +2.9 lifts token 3 to 3.9, past token 0; a repetition penalty of 2 then halves it (bias first, as llama.cpp)
        var biased = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(3, 2.9f)), 4);
        assertEquals(3, biased.sample(logits, 0).token());
        var penalised = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(3, 2.9f)).withRepetitionPenalty(2), 4);
        penalised.acceptPrompt(new int[] {3});
        assertEquals(0, penalised.sample(logits, 0).token(), "(1 + 2.9) / 2 = 1.95 < 3");
        // -100 bans the best token; the reported log-prob of the chosen one is that of the raw logits
        TokenChoice choice = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(0, -100f)), 4).sample(logits, 0);
        assertEquals(1, choice.token());
        double lse = Math.log(Math.exp(3) + Math.exp(2.5) + Math.exp(0) + Math.exp(1));
        assertEquals(2.5 - lse, choice.logprob(), 1e-6);
        // sampling never draws a banned token
        var sampler = new Sampler(SamplingParams.greedy().withTemperature(1).withSeed(5).withLogitBias(Map.of(0, -100f, 1, -100f)), 4);
        for (int i = 0; i < 2000; i++) {
            int token = sampler.sample(logits, 0).token();
            assertTrue(token == 2 || token == 3, "drew " + token);
        }
        assertMessage(() -> SamplingParams.greedy().withLogitBias(Map.of(1, 100.5f)), "logit_bias", "100.5");
        assertMessage(() -> SamplingParams.greedy().withLogitBias(Map.of(-1, 1f)), "logit_bias", "-1");
    }

    @Test
    void logprobsAreLogSoftmaxOfRawLogits() {
        float[] logits = randomLogits(5, 300);
        var sampler = new Sampler(SamplingParams.greedy().withTemperature(0.3).withTopK(5).withTopP(0.5)
                .withRepetitionPenalty(1.3).withSeed(1).withTopLogprobs(20), 300);
        sampler.acceptPrompt(new int[] {1, 2, 3});
        TokenChoice choice = sampler.sample(logits, 0);
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double lse = max + Math.log(sum);
        assertEquals(logits[choice.token()] - lse, choice.logprob(), 1e-5);
        assertEquals(20, choice.topLogprobs().size());
        Integer[] order = new Integer[300];
        for (int i = 0; i < 300; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        for (int i = 0; i < 20; i++) {
            assertEquals(order[i], choice.topLogprobs().get(i).token());
            assertEquals(logits[order[i]] - lse, choice.topLogprobs().get(i).logprob(), 1e-5);
        }
    }

    @Test
    void stepsRunInPipelineOrderAndOnlyWhenOn() {
        assertEquals(List.of(), new Sampler(SamplingParams.greedy(), 3).stepNames());
        var all = SamplingParams.greedy().withTemperature(0.7).withTopK(20).withTopP(0.8).withMinP(0.05)
                .withPresencePenalty(0.5);
        assertEquals(List.of("penalties", "temperature", "top-k", "top-p", "min-p"), new Sampler(all, 3).stepNames());
        assertEquals(List.of("logit-bias", "penalties", "temperature", "top-k", "top-p", "min-p"),
                new Sampler(all.withLogitBias(Map.of(1, 1f)), 3).stepNames());
    }

    @Test
    void invalidParametersNameTheValue() {
        var p = SamplingParams.greedy();
        assertMessage(() -> p.withTemperature(-0.5), "temperature", "-0.5");
        assertMessage(() -> p.withTopP(0), "top_p", "0.0");
        assertMessage(() -> p.withTopP(1.5), "top_p", "1.5");
        assertMessage(() -> p.withTopK(-1), "top_k", "-1");
        assertMessage(() -> p.withMinP(1.1), "min_p", "1.1");
        assertMessage(() -> p.withMinP(-0.1), "min_p", "-0.1");
        assertMessage(() -> p.withRepetitionPenalty(0), "repetition_penalty", "0.0");
        assertMessage(() -> p.withPresencePenalty(3), "presence_penalty", "3.0");
        assertMessage(() -> p.withFrequencyPenalty(-2.5), "frequency_penalty", "-2.5");
        assertMessage(() -> p.withTopLogprobs(21), "top_logprobs", "21");
        assertMessage(() -> p.withTemperature(Double.NaN), "temperature", "NaN");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String... parts) {
        var thrown = assertThrows(SamplingParams.SamplingParamsException.class, e);
        for (String part : parts) {
            assertTrue(thrown.getMessage().contains(part), thrown.getMessage());
        }
    }
}
