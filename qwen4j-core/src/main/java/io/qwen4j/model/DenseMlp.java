package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.VectorOps;

/** HF {@code Qwen2MLP}: {@code down(silu(gate(x)) * up(x))}. */
record DenseMlp(Linear gateProj, Linear upProj, Linear downProj) implements FeedForward {

    static DenseMlp load(WeightSource source, ModelConfig config, int layer) {
        return load(source, "blk." + layer + ".", "", config.hiddenSize(), config.intermediateSize());
    }

    /** {@code <prefix>ffn_gate<suffix>}, {@code ffn_up} and {@code ffn_down} (suffix {@code _shexp}: a shared expert). */
    static DenseMlp load(WeightSource source, String prefix, String suffix, int dim, int ffn) {
        return new DenseMlp(
                Linear.load(source, prefix + "ffn_gate" + suffix, dim, ffn, false),
                Linear.load(source, prefix + "ffn_up" + suffix, dim, ffn, false),
                Linear.load(source, prefix + "ffn_down" + suffix, ffn, dim, false));
    }

    @Override
    public void forward(ComputePool pool, Workspace ws, int tokens) {
        int ffn = gateProj.outFeatures();
        Linear.applyAll(pool, ws.normed, tokens, new Linear[] {gateProj, upProj}, new float[][] {ws.gate, ws.up});
        VectorOps.swiglu(ws.gate, 0, ws.up, 0, tokens * ffn);
        downProj.apply(pool, ws.gate, tokens, ws.output);
    }
}
