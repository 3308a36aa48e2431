package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.VectorOps;
import java.util.Optional;

/**
 * The shared expert of HF's {@code Qwen2MoeSparseMoeBlock} (also Qwen3.5-MoE's and Qwen3-Next's): a SwiGLU MLP every
 * token runs, scaled by {@code sigmoid(shared_expert_gate · x)} and added to the routed experts' sum. GGUF names:
 * {@code ffn_{gate,up,down}_shexp} and the gate's single row {@code ffn_gate_inp_shexp}.
 */
record SharedExpert(DenseMlp mlp, float[] gate) {

    /** The layer's shared expert, or empty when the file has none (llama.cpp treats it as optional too). */
    static Optional<SharedExpert> loadIfPresent(WeightSource source, ModelConfig config, int layer) {
        String p = "blk." + layer + ".";
        if (source.find(p + "ffn_up_shexp.weight").isEmpty()) {
            return Optional.empty();
        }
        int dim = config.hiddenSize();
        // stored as [n_embd] or [n_embd, 1]; a single row, so read it as a vector
        float[] gate = Linear.vector(source, p + "ffn_gate_inp_shexp.weight", dim);
        return Optional.of(new SharedExpert(
                DenseMlp.load(source, p, "_shexp", dim, config.sharedExpertSize()), gate));
    }

    /** Writes the gated shared expert of {@code ws.normed}'s rows to {@code ws.output}. */
    void forward(ComputePool pool, Workspace ws, int tokens, int hiddenSize) {
        mlp.forward(pool, ws, tokens);
        for (int t = 0; t < tokens; t++) {
            float g = Activations.sigmoid(VectorOps.dot(gate, 0, ws.normed, t * hiddenSize, hiddenSize));
            VectorOps.scale(ws.output, t * hiddenSize, g, hiddenSize);
        }
    }
}
