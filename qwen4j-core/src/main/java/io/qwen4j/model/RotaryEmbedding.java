package io.qwen4j.model;

/**
 * Rotary position angles, with HF {@code _compute_yarn_parameters} semantics when YaRN is configured.
 * NEOX layout: frequency {@code i} rotates the pair {@code (i, i + rotaryDim/2)}; with partial rotation (Qwen3.5) the
 * dimensions from {@code rotaryDim} on pass through, and the frequencies are those of a {@code rotaryDim}-wide head.
 */
final class RotaryEmbedding {

    private final double[] inverseFrequencies;
    /** YaRN's attention factor, applied to cos and sin (1 without scaling). */
    private final double attentionFactor;

    RotaryEmbedding(ModelConfig config) {
        int dim = config.rotaryDim();
        int half = dim / 2;
        double base = config.ropeTheta();
        inverseFrequencies = new double[half];
        for (int i = 0; i < half; i++) {
            inverseFrequencies[i] = 1.0 / Math.pow(base, (2.0 * i) / dim);
        }
        if (config.ropeScaling() instanceof RopeScaling.Yarn yarn) {
            double factor = yarn.factor();
            // Dimensions that rotate fewer than betaSlow times over the original context are interpolated
            // (divided by factor); more than betaFast times, extrapolated (kept); a linear ramp between.
            double low = Math.max(Math.floor(correctionDim(yarn.betaFast(), dim, base, yarn.originalContextLength())), 0);
            double high = Math.min(Math.ceil(correctionDim(yarn.betaSlow(), dim, base, yarn.originalContextLength())), dim - 1);
            if (low == high) {
                high += 0.001; // HF: prevents a division by zero in the ramp
            }
            for (int i = 0; i < half; i++) {
                double ramp = Math.clamp((i - low) / (high - low), 0.0, 1.0);
                double extrapolationWeight = 1 - ramp;
                double extrapolated = inverseFrequencies[i];
                double interpolated = extrapolated / factor;
                inverseFrequencies[i] = interpolated * (1 - extrapolationWeight) + extrapolated * extrapolationWeight;
            }
            attentionFactor = factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0;
        } else {
            attentionFactor = 1.0;
        }
    }

    /** HF {@code find_correction_dim}: the dimension whose wavelength fits {@code rotations} times in the context. */
    private static double correctionDim(double rotations, int dim, double base, int contextLength) {
        return dim * Math.log(contextLength / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    int half() {
        return inverseFrequencies.length;
    }

    /** Writes the {@code rotaryDim/2} scaled cos and sin values of {@code position} at {@code offset}. */
    void angles(int position, float[] cos, float[] sin, int offset) {
        for (int i = 0; i < inverseFrequencies.length; i++) {
            double angle = position * inverseFrequencies[i];
            cos[offset + i] = (float) (Math.cos(angle) * attentionFactor);
            sin[offset + i] = (float) (Math.sin(angle) * attentionFactor);
        }
    }
}
