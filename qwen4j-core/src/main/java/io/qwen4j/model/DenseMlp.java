package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.VectorOps;

/** HF {@code Qwen2MLP}: {@code down(silu(gate(x)) * up(x))}. */
record DenseMlp(Linear gateProj, Linear upProj, Linear downProj) implements FeedForward {

    static DenseMlp load(WeightSource source, ModelConfig config, int layer) {
        String p = "blk." + layer + ".";
        int dim = config.hiddenSize();
        int ffn = config.intermediateSize();
        return new DenseMlp(
                Linear.load(source, p + "ffn_gate", dim, ffn, false),
                Linear.load(source, p + "ffn_up", dim, ffn, false),
                Linear.load(source, p + "ffn_down", ffn, dim, false));
    }

    @Override
    public void forward(ComputePool pool, Workspace ws, int tokens) {
        int ffn = gateProj.outFeatures();
        Linear.applyAll(pool, ws.normed, tokens, new Linear[] {gateProj, upProj}, new float[][] {ws.gate, ws.up});
        VectorOps.swiglu(ws.gate, 0, ws.up, 0, tokens * ffn);
        downProj.apply(pool, ws.gate, tokens, ws.output);
    }
}
