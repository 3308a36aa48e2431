package io.qwen4j.synth;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic random weights: the values of row {@code r} of tensor {@code name} depend only on the
 * seed, the name and {@code r}, so rows can be generated in parallel, in any order, and the same spec
 * always gives the same bytes.
 *
 * <p>Values are uniform with the requested mean and standard deviation: cheaper than Gaussian draws for
 * hundreds of millions of weights, and just as good for exercising the kernels.
 */
final class WeightGenerator {

    private static final double SQRT3 = Math.sqrt(3);

    private final long tensorSeed;
    private final float mean;
    private final float halfWidth;

    WeightGenerator(long seed, String tensorName, double mean, double std) {
        this.tensorSeed = mix(seed ^ fnv1a(tensorName));
        this.mean = (float) mean;
        this.halfWidth = (float) (std * SQRT3);
    }

    /** Fills {@code out[0 .. count)} with the values of row {@code row}. */
    void fillRow(long row, float[] out, int count) {
        long state = mix(tensorSeed + row * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < count; i++) {
            state += 0x9E3779B97F4A7C15L;
            long bits = mix(state);
            // 24 random bits → uniform in [-1, 1)
            float unit = ((bits >>> 40) * 0x1.0p-23f) - 1f;
            out[i] = mean + halfWidth * unit;
        }
    }

    /** A seed for row {@code row} alone, for formats filled with random blocks rather than quantized values. */
    long rowSeed(long row) {
        return mix(tensorSeed + row * 0x9E3779B97F4A7C15L);
    }

    /** The standard deviation asked for (of the values {@link #fillRow} draws). */
    float std() {
        return (float) (halfWidth / SQRT3);
    }

    /** SplitMix64's finaliser: a fast, well-mixed 64-bit hash. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }
}
