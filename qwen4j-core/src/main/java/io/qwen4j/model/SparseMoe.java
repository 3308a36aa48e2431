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
 * expert, so each selected expert's weights are read once for all tokens routed to it.
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

    @Override
    public void forward(ComputePool pool, Workspace ws, int tokens) {
        int k = numExpertsUsed;
        // 1. router logits, 2. softmax over all experts, 3. top-k, 4. renormalise the k weights
        router.apply(pool, ws.normed, tokens, ws.routerLogits);
        for (int t = 0; t < tokens; t++) {
            VectorOps.softmax(ws.routerLogits, t * numExperts, numExperts);
            selectTopK(ws.routerLogits, t * numExperts, ws.selectedExperts, ws.expertWeights, t * k);
        }
        // 5. the shared expert (or nothing), then per expert: gather its tokens, run its SwiGLU MLP on them,
        // scatter-add the weighted result
        if (shared != null) {
            shared.forward(pool, ws, tokens, hiddenSize);
        } else {
            Arrays.fill(ws.output, 0, tokens * hiddenSize, 0f);
        }
        for (int expert = 0; expert < numExperts; expert++) {
            int routed = 0;
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < k; j++) {
                    if (ws.selectedExperts[t * k + j] == expert) {
                        ws.expertTokens[routed] = t * k + j;
                        System.arraycopy(ws.normed, t * hiddenSize, ws.expertInput, routed * hiddenSize, hiddenSize);
                        routed++;
                    }
                }
            }
            if (routed == 0) {
                continue;
            }
            runExpert(pool, expert, ws, routed);
            for (int i = 0; i < routed; i++) {
                int slot = ws.expertTokens[i];
                int t = slot / k;
                VectorOps.axpy(ws.expertWeights[slot], ws.expertOutput, i * hiddenSize, ws.output, t * hiddenSize, hiddenSize);
            }
        }
    }

    /** Expert {@code expert}'s SwiGLU MLP on {@code rows} gathered rows of {@code ws.expertInput}. */
    private void runExpert(ComputePool pool, int expert, Workspace ws, int rows) {
        long gateOffset = gateExperts.type().bytesFor(hiddenSize) * expertSize * expert;
        long upOffset = upExperts.type().bytesFor(hiddenSize) * expertSize * expert;
        long downOffset = downExperts.type().bytesFor(expertSize) * hiddenSize * expert;
        MatMul.matmul(pool, gateExperts.type(), gateExperts.data(), gateOffset, hiddenSize, expertSize,
                ws.expertInput, rows, ws.gate);
        MatMul.matmul(pool, upExperts.type(), upExperts.data(), upOffset, hiddenSize, expertSize,
                ws.expertInput, rows, ws.up);
        VectorOps.swiglu(ws.gate, 0, ws.up, 0, rows * expertSize);
        MatMul.matmul(pool, downExperts.type(), downExperts.data(), downOffset, expertSize, hiddenSize,
                ws.gate, rows, ws.expertOutput);
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
