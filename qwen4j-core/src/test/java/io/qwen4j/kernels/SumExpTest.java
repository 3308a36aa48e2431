package io.qwen4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link VectorOps#sumExp} against a plain double loop, on vocabulary-sized and odd lengths. */
class SumExpTest {

    @Test
    void matchesDoubleLoop() {
        Random random = new Random(12);
        for (int n : new int[] {1, 7, 16, 17, 100, 151_936}) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (random.nextGaussian() * 4);
            }
            float max = VectorOps.max(x, 3, n);
            double expected = 0;
            for (int i = 0; i < n; i++) {
                expected += Math.exp((double) x[3 + i] - max);
            }
            double actual = VectorOps.sumExp(x, 3, n, max);
            assertEquals(Math.log(expected), Math.log(actual), 1e-6, "log of the sum, n = " + n);
            assertEquals(expected, actual, expected * 1e-6, "n = " + n);
        }
    }
}
