package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.MatMul;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.tensor.Tensor;
import java.util.Arrays;

/**
 * HF {@code Qwen3MoeSparseMoeBlock}: a router scores every expert, softmax over all of them, the top
 * {@code k} are kept and their weights renormalised to sum to 1 ({@code norm_topk_prob}; Qwen2-MoE keeps the
 * softmax weights as they are), and the token's output is the weighted sum of those experts' SwiGLU MLPs, plus
 * the gated {@link SharedExpert} in the architectures that have one.
 *
 * <p>The experts of a layer are stored as three 3-D tensors (ne = [in, out, experts]); expert {@code e} is
 * the {@code e}-th 2-D slice, so a token reads only its {@code k} experts' bytes. A batch is grouped by
 * expert, so each selected expert's weights are read once for all tokens routed to it (llama.cpp's
 * {@code mul_mat_id} groups the same way).
 */
record SparseMoe(Linear router, Tensor gateExperts, Tensor upExperts, Tensor downExperts, int numExperts,
                 int numExpertsUsed, int hiddenSize, int expertSize, boolean normalizeTopK,
                 SharedExpert shared) implements FeedForward {

    /** Qwen3-MoE's block: top-k weights renormalised, a shared expert if the file has one. */
    static SparseMoe load(WeightSource source, ModelConfig config, int layer) {
        return load(source, config, layer, true);
    }

    /** {@code normalizeTopK}: HF's {@code norm_topk_prob}, which GGUF does not store (llama.cpp fixes it per architecture). */
    static SparseMoe load(WeightSource source, ModelConfig config, int layer, boolean normalizeTopK) {
        String p = "blk." + layer + ".";
        int dim = config.hiddenSize();
        int e = config.numExperts();
        int ffn = config.moeIntermediateSize();
        return new SparseMoe(
                Linear.load(source, p + "ffn_gate_inp", dim, e, false),
                source.tensor(p + "ffn_gate_exps.weight", dim, ffn, e),
                source.tensor(p + "ffn_up_exps.weight", dim, ffn, e),
                source.tensor(p + "ffn_down_exps.weight", ffn, dim, e),
                e, config.numExpertsUsed(), dim, ffn, normalizeTopK,
                SharedExpert.loadIfPresent(source, config, layer).orElse(null));
    }

    /**
     * Experts run one per thread, side by side, when there are at least this many per thread; fewer, each expert's
     * rows are shared out among the threads instead. Why: a pool hand-off and the wait for its last chunk cost
     * microseconds, and splitting every expert's three matrices took 3 hand-offs per expert (24 per layer in a
     * decode step of 8 experts, 300-384 in a prefill that routes to most of 128), where whole experts per thread
     * take one per layer. Two per thread, so that a thread that finishes early still finds work.
     */
    static final int EXPERTS_PER_THREAD = 2;

    @Override
    public void forward(ComputePool pool, Workspace ws, int tokens) {
        int k = numExpertsUsed;
        // 1. router logits, 2. softmax over all experts, 3. top-k, 4. renormalise the k weights
        router.apply(pool, ws.normed, tokens, ws.routerLogits);
        for (int t = 0; t < tokens; t++) {
            VectorOps.softmax(ws.routerLogits, t * numExperts, numExperts);
            selectTopK(ws.routerLogits, t * numExperts, ws.selectedExperts, ws.expertWeights, t * k);
        }
        // 5. the shared expert (or nothing), then each routed expert's SwiGLU MLP on its tokens, into its slots,
        // then per token the weighted sum of its experts' outputs
        if (shared != null) {
            shared.forward(pool, ws, tokens, hiddenSize);
        } else {
            Arrays.fill(ws.output, 0, tokens * hiddenSize, 0f);
        }
        int active = groupByExpert(ws, tokens);
        ComputePool.RangeJob experts = (from, to) -> {
            for (int i = from; i < to; i++) {
                runExpert(pool, ws.activeExperts[i], ws);
            }
        };
        if (active >= EXPERTS_PER_THREAD * pool.threads()) {
            // nested matmuls inside a pool job run on the calling thread
            pool.parallelFor(active, experts);
        } else {
            experts.run(0, active);
        }
        addWeightedOutputs(ws, tokens);
    }

    /**
     * Counting sort of the batch's routing slots by expert into {@code ws.expertSlots} (tokens in order within an
     * expert) and of the experts with tokens into {@code ws.activeExperts}, most tokens first so that the last
     * experts the threads pick up are the shortest. Returns how many experts have tokens.
     */
    int groupByExpert(Workspace ws, int tokens) {
        int slots = tokens * numExpertsUsed;
        int[] start = ws.expertStart;
        Arrays.fill(start, 0, numExperts + 1, 0);
        for (int s = 0; s < slots; s++) {
            start[ws.selectedExperts[s] + 1]++;
        }
        int active = 0;
        for (int e = 0; e < numExperts; e++) {
            if (start[e + 1] > 0) {
                ws.activeExperts[active++] = e;
            }
            start[e + 1] += start[e];
        }
        for (int a = 1; a < active; a++) {
            int e = ws.activeExperts[a];
            int count = start[e + 1] - start[e];
            int i = a;
            for (; i > 0; i--) {
                int before = ws.activeExperts[i - 1];
                if (start[before + 1] - start[before] >= count) {
                    break;
                }
                ws.activeExperts[i] = before;
            }
            ws.activeExperts[i] = e;
        }
        // start[e] is where expert e's slots begin; filling moves it up to start[e + 1], so shift back afterwards
        for (int s = 0; s < slots; s++) {
            ws.expertSlots[start[ws.selectedExperts[s]]++] = s;
        }
        for (int e = numExperts; e > 0; e--) {
            start[e] = start[e - 1];
        }
        start[0] = 0;
        return active;
    }

    /**
     * Expert {@code expert}'s SwiGLU MLP on its gathered tokens, in this thread's {@link Workspace.ExpertRows}, the
     * results copied to the expert's rows of {@code ws.expertOutput}.
     */
    private void runExpert(ComputePool pool, int expert, Workspace ws) {
        Workspace.ExpertRows rows = ws.expertRows();
        int first = ws.expertStart[expert];
        int count = ws.expertStart[expert + 1] - first;
        int k = numExpertsUsed;
        for (int i = 0; i < count; i++) {
            int token = ws.expertSlots[first + i] / k;
            System.arraycopy(ws.normed, token * hiddenSize, rows.input(), i * hiddenSize, hiddenSize);
        }
        long gateOffset = gateExperts.type().bytesFor(hiddenSize) * expertSize * expert;
        long upOffset = upExperts.type().bytesFor(hiddenSize) * expertSize * expert;
        long downOffset = downExperts.type().bytesFor(expertSize) * hiddenSize * expert;
        MatMul.matmul(pool, gateExperts.type(), gateExperts.data(), gateOffset, hiddenSize, expertSize,
                rows.input(), count, rows.gate());
        MatMul.matmul(pool, upExperts.type(), upExperts.data(), upOffset, hiddenSize, expertSize,
                rows.input(), count, rows.up());
        VectorOps.swiglu(rows.gate(), 0, rows.up(), 0, count * expertSize);
        MatMul.matmul(pool, downExperts.type(), downExperts.data(), downOffset, expertSize, hiddenSize,
                rows.gate(), count, rows.output());
        System.arraycopy(rows.output(), 0, ws.expertOutput, first * hiddenSize, count * hiddenSize);
    }

    /**
     * {@code output[t] += weight[t, j] * expert output} for each of the token's experts, walked in ascending expert id
     * ({@code ws.expertSlots}' order), so that a token's sum has one order whichever experts ran where.
     */
    private void addWeightedOutputs(Workspace ws, int tokens) {
        int slots = tokens * numExpertsUsed;
        for (int i = 0; i < slots; i++) {
            int slot = ws.expertSlots[i];
            VectorOps.axpy(ws.expertWeights[slot], ws.expertOutput, i * hiddenSize, ws.output,
                    slot / numExpertsUsed * hiddenSize, hiddenSize);
        }
    }

    /**
     * Picks the {@code numExpertsUsed} largest probabilities of {@code probs[off, off + numExperts)} (ties to
     * the lower expert id) and writes them, renormalised to sum to 1 when {@link #normalizeTopK}, at
     * {@code [outOff, outOff + k)}.
     */
    void selectTopK(float[] probs, int off, int[] experts, float[] weights, int outOff) {
        int k = numExpertsUsed;
        float sum = 0;
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < numExperts; e++) {
                if (!taken(experts, outOff, j, e) && (best < 0 || probs[off + e] > probs[off + best])) {
                    best = e;
                }
            }
            experts[outOff + j] = best;
            weights[outOff + j] = probs[off + best];
            sum += probs[off + best];
        }
        if (!normalizeTopK) {
            return;
        }
        for (int j = 0; j < k; j++) {
            weights[outOff + j] /= sum;
        }
    }

    private static boolean taken(int[] experts, int off, int count, int expert) {
        for (int i = 0; i < count; i++) {
            if (experts[off + i] == expert) {
                return true;
            }
        }
        return false;
    }
}
