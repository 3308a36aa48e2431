package io.qwen4j.model;

import io.qwen4j.kernels.VectorOps;

/** HF {@code Qwen2RMSNorm}/{@code Qwen3RMSNorm}: {@code x * rsqrt(mean(x^2) + eps) * weight}. */
record RmsNorm(float[] weight, float eps) {

    static RmsNorm load(WeightSource source, String name, int size, float eps) {
        return new RmsNorm(Linear.vector(source, name, size), eps);
    }

    int size() {
        return weight.length;
    }

    /** Normalises {@code rows} consecutive vectors of {@link #size} floats; {@code out} may be {@code in}. */
    void apply(float[] in, float[] out, int rows) {
        int n = weight.length;
        for (int r = 0; r < rows; r++) {
            VectorOps.rmsNorm(in, r * n, weight, eps, out, r * n, n);
        }
    }
}
