package io.qwen4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each Vector API kernel against a plain double-precision loop on random data, at lengths that exercise
 * the vector body and the scalar tail, and at non-zero offsets. Errors are normalised by the size of the
 * values involved.
 */
class VectorOpsTest {

    private static final int[] LENGTHS = {1, 7, 8, 16, 31, 64, 100, 257};
    private final Random random = new Random(42);

    private float[] randomArray(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * random.nextGaussian());
        }
        return a;
    }

    private static void assertNormalisedClose(double[] expected, float[] actual, int offset, double tol, String what) {
        double maxAbs = 1e-30;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[offset + i]));
        }
        assertTrue(maxDiff / maxAbs < tol, what + ": normalised error " + maxDiff / maxAbs);
    }

    @Test
    void dot() {
        for (int n : LENGTHS) {
            float[] a = randomArray(n + 3, 1);
            float[] b = randomArray(n + 5, 1);
            double expected = 0;
            double norm = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) a[3 + i] * b[5 + i];
                norm += Math.abs((double) a[3 + i] * b[5 + i]);
            }
            float actual = VectorOps.dot(a, 3, b, 5, n);
            assertTrue(Math.abs(actual - expected) / norm < 1e-6, "dot n=" + n);
        }
    }

    /** Four dots at once: each within rounding of the double sum, and bit for bit what one {@code dot} gives. */
    @Test
    void dot4() {
        for (int n : LENGTHS) {
            int stride = n + 3;
            float[] a = randomArray(n + 2, 1);
            float[] b = randomArray(1 + 4 * stride, 1);
            int[] rows = {1 + 2 * stride, 1, 1 + 3 * stride, 1 + stride}; // any order, any rows
            float[] out = new float[6];
            VectorOps.dot4(a, 2, b, rows[0], rows[1], rows[2], rows[3], n, out, 1);
            for (int k = 0; k < 4; k++) {
                double expected = 0;
                double norm = 0;
                for (int i = 0; i < n; i++) {
                    expected += (double) a[2 + i] * b[rows[k] + i];
                    norm += Math.abs((double) a[2 + i] * b[rows[k] + i]);
                }
                assertTrue(Math.abs(out[1 + k] - expected) / norm < 1e-6, "dot4 row " + k + " n=" + n);
                assertEquals(VectorOps.dot(a, 2, b, rows[k], n), out[1 + k], "dot4 row " + k + " n=" + n + " vs dot");
            }
            assertEquals(0f, out[0]);
            assertEquals(0f, out[5]);
        }
    }

    /** Four weighted rows added at once: within rounding of the double sum, and bit for bit four {@code axpy}s. */
    @Test
    void axpy4() {
        for (int n : LENGTHS) {
            int stride = n + 1;
            float[] x = randomArray(2 + 4 * stride, 1);
            float[] y = randomArray(n + 3, 1);
            float[] w = {0.37f, -1.25f, 2.5f, 0.01f};
            int[] rows = {2, 2 + 3 * stride, 2 + stride, 2 + 2 * stride};
            double[] expected = new double[n];
            double[] norm = new double[n]; // four roundings, each relative to the terms' size
            float[] sequential = y.clone();
            for (int i = 0; i < n; i++) {
                expected[i] = y[3 + i];
                norm[i] = Math.abs(y[3 + i]);
                for (int k = 0; k < 4; k++) {
                    expected[i] += (double) w[k] * x[rows[k] + i];
                    norm[i] += Math.abs((double) w[k] * x[rows[k] + i]);
                }
            }
            for (int k = 0; k < 4; k++) {
                VectorOps.axpy(w[k], x, rows[k], sequential, 3, n);
            }
            VectorOps.axpy4(w[0], w[1], w[2], w[3], x, rows[0], rows[1], rows[2], rows[3], y, 3, n);
            for (int i = 0; i < n; i++) {
                assertTrue(Math.abs(y[3 + i] - expected[i]) / norm[i] < 1e-6, "axpy4 n=" + n + " element " + i);
            }
            for (int i = 0; i < y.length; i++) {
                assertEquals(sequential[i], y[i], "axpy4 n=" + n + " element " + i + " vs four axpys");
            }
        }
    }

    @Test
    void axpyAddScale() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 2, 1);
            float[] y = randomArray(n + 1, 1);
            double[] axpy = new double[n];
            double[] add = new double[n];
            double[] scaled = new double[n];
            for (int i = 0; i < n; i++) {
                axpy[i] = y[1 + i] + 0.37 * x[2 + i];
                add[i] = axpy[i] + x[2 + i];
                scaled[i] = add[i] * -1.5;
            }
            VectorOps.axpy(0.37f, x, 2, y, 1, n);
            assertNormalisedClose(axpy, y, 1, 1e-6, "axpy n=" + n);
            VectorOps.add(x, 2, y, 1, n);
            assertNormalisedClose(add, y, 1, 1e-6, "add n=" + n);
            VectorOps.scale(y, 1, -1.5f, n);
            assertNormalisedClose(scaled, y, 1, 1e-6, "scale n=" + n);
        }
    }

    @Test
    void rmsNorm() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 4, 3);
            float[] w = randomArray(n, 1);
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[4 + i] * x[4 + i];
            }
            double inv = 1 / Math.sqrt(ss / n + 1e-6);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = x[4 + i] * inv * w[i];
            }
            float[] out = new float[n + 2];
            VectorOps.rmsNorm(x, 4, w, 1e-6f, out, 2, n);
            assertNormalisedClose(expected, out, 2, 1e-6, "rmsNorm n=" + n);
            VectorOps.rmsNorm(x, 4, w, 1e-6f, x, 4, n); // in place
            assertNormalisedClose(expected, x, 4, 1e-6, "rmsNorm in place n=" + n);
        }
    }

    @Test
    void softmaxAndMax() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 3, 5);
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x[3 + i]);
            }
            assertEquals(max, VectorOps.max(x, 3, n));
            double sum = 0;
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = Math.exp(x[3 + i] - max);
                sum += expected[i];
            }
            for (int i = 0; i < n; i++) {
                expected[i] /= sum;
            }
            VectorOps.softmax(x, 3, n);
            assertNormalisedClose(expected, x, 3, 1e-5, "softmax n=" + n);
        }
    }

    @Test
    void swiglu() {
        for (int n : LENGTHS) {
            float[] gate = randomArray(n + 1, 4);
            float[] up = randomArray(n + 2, 1);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                double g = gate[1 + i];
                expected[i] = g / (1 + Math.exp(-g)) * up[2 + i];
            }
            VectorOps.swiglu(gate, 1, up, 2, n);
            assertNormalisedClose(expected, gate, 1, 1e-5, "swiglu n=" + n);
        }
    }

    @Test
    void siluOutOfPlaceAndInPlace() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 3, 4);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                double v = x[3 + i];
                expected[i] = v / (1 + Math.exp(-v));
            }
            float[] out = new float[n + 2];
            VectorOps.silu(x, 3, out, 2, n);
            assertNormalisedClose(expected, out, 2, 1e-5, "silu n=" + n);
            VectorOps.silu(x, 3, x, 3, n);
            assertNormalisedClose(expected, x, 3, 1e-5, "silu in place n=" + n);
        }
    }

    @Test
    void multiplyAddAccumulatesElementwiseProducts() {
        for (int n : LENGTHS) {
            float[] a = randomArray(n + 1, 1);
            float[] b = randomArray(n + 2, 1);
            float[] y = randomArray(n + 3, 1);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = y[3 + i] + (double) a[1 + i] * b[2 + i];
            }
            VectorOps.multiplyAdd(a, 1, b, 2, y, 3, n);
            assertNormalisedClose(expected, y, 3, 1e-6, "multiplyAdd n=" + n);
        }
    }

    @Test
    void ropeRotatesPairsHalfApart() {
        for (int half : new int[] {1, 4, 8, 12, 64}) {
            float[] x = randomArray(2 * half + 3, 1);
            float[] cos = new float[half + 1];
            float[] sin = new float[half + 1];
            for (int i = 0; i < half; i++) {
                double angle = random.nextDouble() * 10;
                cos[1 + i] = (float) Math.cos(angle);
                sin[1 + i] = (float) Math.sin(angle);
            }
            // HF: x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1)
            double[] expected = new double[2 * half];
            for (int i = 0; i < 2 * half; i++) {
                double rotated = i < half ? -x[3 + i + half] : x[3 + i - half];
                expected[i] = x[3 + i] * cos[1 + i % half] + rotated * sin[1 + i % half];
            }
            VectorOps.rope(x, 3, half, cos, sin, 1);
            assertNormalisedClose(expected, x, 3, 1e-6, "rope half=" + half);
        }
    }
}
