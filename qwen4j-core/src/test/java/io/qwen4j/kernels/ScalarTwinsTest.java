package io.qwen4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The kernels that run a scalar twin while the process is cold ({@link io.qwen4j.simd.ColdStart}) give the same
 * bits with and without their vector loop, so results never depend on which one ran. The other tests of these
 * kernels check the public entry point (whichever path it takes) against plain double-precision loops.
 */
class ScalarTwinsTest {

    private static final int[] LENGTHS = {1, 7, 8, 15, 16, 17, 64, 100, 511, 512, 513, 1024, 3072, 5000};
    private final Random random = new Random(7);

    /** Gaussians at several scales, with a few values past exp's clamps and special values mixed in. */
    private float[] values(int n) {
        float[] a = new float[n + 3];
        double scale = new double[] {0.5, 4, 40, 120}[random.nextInt(4)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (scale * random.nextGaussian());
        }
        if (n > 20) {
            a[3 + random.nextInt(n)] = Float.NEGATIVE_INFINITY;
            a[3 + random.nextInt(n)] = -0f;
            a[3 + random.nextInt(n)] = 88.7f;
            a[3 + random.nextInt(n)] = -87.3f;
        }
        return a;
    }

    /** Element by element, NaNs of any payload counting as equal. */
    private static void assertSameBits(float[] vector, float[] scalar, String what) {
        for (int i = 0; i < vector.length; i++) {
            assertEquals(Float.floatToIntBits(vector[i]), Float.floatToIntBits(scalar[i]),
                    what + " i=" + i + ": " + vector[i] + " vs " + scalar[i]);
        }
    }

    @Test
    void swigluGivesTheSameBitsWithAndWithoutItsVectorLoop() {
        for (int trial = 0; trial < 20; trial++) {
            for (int n : LENGTHS) {
                float[] gate = values(n);
                float[] up = values(n);
                float[] vector = gate.clone();
                float[] scalar = gate.clone();
                VectorOps.swiglu(vector, 3, up, 3, n, true);
                VectorOps.swiglu(scalar, 3, up, 3, n, false);
                assertSameBits(vector, scalar, "swiglu n=" + n);
            }
        }
    }

    @Test
    void sumExpGivesTheSameBitsWithAndWithoutItsVectorLoop() {
        for (int trial = 0; trial < 20; trial++) {
            for (int n : LENGTHS) {
                int end = n - n % 16;
                float[] x = values(n);
                float shift = trial % 2 == 0 ? 0f : VectorOps.max(x, 3, n, false);
                assertEquals(Double.doubleToLongBits(VectorOps.sumExpVector(x, 3, end, shift)),
                        Double.doubleToLongBits(VectorOps.sumExpScalar(x, 3, end, shift)), "n=" + n);
            }
        }
    }

    @Test
    void maxGivesTheSameValueWithAndWithoutItsVectorLoop() {
        for (int trial = 0; trial < 20; trial++) {
            for (int n : LENGTHS) {
                float[] x = values(n);
                if (trial == 1 && n > 20) {
                    x[3 + n / 2] = Float.NaN;
                }
                if (trial == 2) {
                    java.util.Arrays.fill(x, -0f);
                    x[3 + n - 1] = 0f;
                }
                assertEquals(Float.floatToIntBits(VectorOps.max(x, 3, n, true)), Float.floatToIntBits(VectorOps.max(x, 3, n, false)),
                        "n=" + n + " trial " + trial);
            }
        }
    }

    @Test
    void rmsNormGivesTheSameBitsWithAndWithoutItsVectorLoops() {
        for (int trial = 0; trial < 20; trial++) {
            for (int n : LENGTHS) {
                float[] x = values(n);
                float[] weight = values(n);
                float[] vector = new float[n + 5];
                float[] scalar = new float[n + 5];
                VectorOps.rmsNorm(x, 3, weight, 1e-6f, vector, 5, n, true);
                VectorOps.rmsNorm(x, 3, weight, 1e-6f, scalar, 5, n, false);
                assertSameBits(vector, scalar, "rmsNorm n=" + n);
            }
        }
    }
}
