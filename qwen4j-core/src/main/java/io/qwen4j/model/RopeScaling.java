package io.qwen4j.model;

import io.qwen4j.InvalidInputException;

/** How rotary position frequencies are scaled beyond the trained context. */
public sealed interface RopeScaling {

    /** Plain RoPE. */
    record None() implements RopeScaling {
    }

    /**
     * YaRN (HF {@code rope_type = "yarn"}): {@code factor} times the {@code originalContextLength}, blending
     * interpolated and extrapolated frequencies over the correction range set by {@code betaFast} and
     * {@code betaSlow} (rotations), with HF's defaults 32 and 1.
     */
    record Yarn(double factor, int originalContextLength, double betaFast, double betaSlow) implements RopeScaling {
        public Yarn {
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new InvalidInputException("YaRN factor must be a positive number, got " + factor);
            }
            if (originalContextLength <= 0) {
                throw new InvalidInputException("YaRN original context length must be positive, got " + originalContextLength);
            }
            if (!(betaFast > 0) || !(betaSlow > 0)) {
                throw new InvalidInputException("YaRN beta_fast/beta_slow must be positive, got " + betaFast + "/" + betaSlow);
            }
        }

        public Yarn(double factor, int originalContextLength) {
            this(factor, originalContextLength, 32, 1);
        }
    }

    RopeScaling NONE = new None();
}
