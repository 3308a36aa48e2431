package io.qwen4j.model;

/** Scalar activations of the hybrid layers, in float as ggml computes them. */
final class Activations {

    private Activations() {
    }

    static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    /** PyTorch's softplus with its default threshold: {@code x} itself above 20 (ggml's too). */
    static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }
}
