package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.kernels.VectorOps;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Routing on cases computed by hand. */
class SparseMoeTest {

    private static SparseMoe router(int experts, int used) {
        return new SparseMoe(null, null, null, null, experts, used, 0, 0, true, null);
    }

    @Test
    void picksTopTwoAndRenormalises() {
        float[] probs = {0.10f, 0.30f, 0.05f, 0.25f, 0.20f, 0.10f};
        int[] experts = new int[2];
        float[] weights = new float[2];
        router(6, 2).selectTopK(probs, 0, experts, weights, 0);
        assertArrayEquals(new int[] {1, 3}, experts);
        // 0.30 / 0.55 and 0.25 / 0.55
        assertEquals(0.30 / 0.55, weights[0], 1e-6);
        assertEquals(0.25 / 0.55, weights[1], 1e-6);
    }

    @Test
    void qwen2MoeKeepsTheSoftmaxWeightsOfTheChosenExperts() {
        float[] probs = {0.10f, 0.30f, 0.05f, 0.25f, 0.20f, 0.10f};
        int[] experts = new int[2];
        float[] weights = new float[2];
        new SparseMoe(null, null, null, null, 6, 2, 0, 0, false, null).selectTopK(probs, 0, experts, weights, 0);
        assertArrayEquals(new int[] {1, 3}, experts);
        assertEquals(0.30, weights[0], 1e-7);
        assertEquals(0.25, weights[1], 1e-7);
    }

    @Test
    void tiesGoToTheLowerExpertAndOffsetsAreRespected() {
        float[] probs = {9, 9, 0.2f, 0.4f, 0.2f, 0.2f};
        int[] experts = {-7, -7, -7, -7};
        float[] weights = new float[4];
        router(4, 3).selectTopK(probs, 2, experts, weights, 1);
        assertArrayEquals(new int[] {-7, 1, 0, 2}, experts);
        assertEquals(0.5, weights[1], 1e-6);
        assertEquals(0.25, weights[2], 1e-6);
        assertEquals(0.25, weights[3], 1e-6);
    }

    @Test
    void routerSoftmaxThenTopK() {
        // logits [1, 3, 2, 0]: top-2 are experts 1 and 2 with weights e^3/(e^3+e^2) and e^2/(e^3+e^2)
        float[] logits = {1, 3, 2, 0};
        VectorOps.softmax(logits, 0, 4);
        int[] experts = new int[2];
        float[] weights = new float[2];
        router(4, 2).selectTopK(logits, 0, experts, weights, 0);
        assertArrayEquals(new int[] {1, 2}, experts);
        double e3 = Math.exp(3);
        double e2 = Math.exp(2);
        assertEquals(e3 / (e3 + e2), weights[0], 1e-6);
        assertEquals(e2 / (e3 + e2), weights[1], 1e-6);
    }

    /**
     * Four tokens routed to two experts each, out of five: the slots grouped by expert with tokens in order, the
     * experts that have tokens listed most tokens first (ties by id), the unused expert left out.
     */
    @Test
    void groupsSlotsByExpertBusiestFirst() {
        ModelConfig config = Models.qwen3Moe(false).toBuilder().numExperts(5).numExpertsUsed(2).build();
        var ws = new Workspace(config, 4);
        // token t's slots are 2t and 2t + 1
        int[] routed = {3, 1, 1, 4, 0, 3, 1, 3};
        System.arraycopy(routed, 0, ws.selectedExperts, 0, routed.length);
        int active = router(5, 2).groupByExpert(ws, 4);
        assertEquals(4, active);
        // expert 0: slot 4; 1: slots 1, 2, 6; 2: none; 3: slots 0, 5, 7; 4: slot 3
        assertArrayEquals(new int[] {0, 1, 4, 4, 7, 8}, Arrays.copyOf(ws.expertStart, 6));
        assertArrayEquals(new int[] {4, 1, 2, 6, 0, 5, 7, 3}, Arrays.copyOf(ws.expertSlots, 8));
        assertArrayEquals(new int[] {1, 3, 0, 4}, Arrays.copyOf(ws.activeExperts, 4));
    }
}
