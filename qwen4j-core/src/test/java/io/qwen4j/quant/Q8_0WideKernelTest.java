package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyReference.QK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q8_0's two one-row kernels, the 8-lane one and the 16-lane one chosen on AVX-512 machines, give the same bits
 * for every row of any range (odd counts pair the middle row with itself, ranges start anywhere), interpreted
 * and once C2 has compiled them; and their value is the exact dot within float rounding. Both are called
 * directly, so both are tested whichever the machine selects.
 */
class Q8_0WideKernelTest {

    private static final int ROWS = 9;
    private static final int COLS = 12 * QK;

    @Test
    void wideAndNarrowKernelsGiveTheSameBitsForEveryRange() {
        Random random = new Random(8_016);
        byte[] bytes = LegacyTestData.randomBlocks(TensorType.Q8_0, ROWS * COLS / QK, random, LegacyTestData::moderateHalf);
        MemorySegment weights = MemorySegment.ofArray(bytes);
        long rowBytes = TensorType.Q8_0.bytesFor(COLS);
        float[] x = new float[FloatDots.LEAD + COLS];
        System.arraycopy(LegacyTestData.gaussian(COLS, random), 0, x, FloatDots.LEAD, COLS);
        float[] w = LegacyReference.dequantize(TensorType.Q8_0, bytes, 0, ROWS * COLS);

        int[][] ranges = {{0, ROWS}, {0, 1}, {2, 5}, {3, 7}, {1, 9}, {4, 6}};
        for (int call = 0; call < 3000; call++) {
            int[] range = ranges[call % ranges.length];
            float[] narrow = new float[ROWS];
            float[] wide = new float[ROWS];
            Q8_0Format.rowsDot(weights, 0, rowBytes, x, FloatDots.LEAD, COLS, narrow, range[0], range[1]);
            Q8_0Format.rowsDotWide(weights, 0, rowBytes, x, FloatDots.LEAD, COLS, wide, range[0], range[1]);
            for (int r = 0; r < ROWS; r++) {
                boolean inRange = r >= range[0] && r < range[1];
                assertEquals(Float.floatToIntBits(narrow[r]), Float.floatToIntBits(wide[r]),
                        "row " + r + " of range " + range[0] + ".." + range[1] + " at call " + call);
                if (!inRange) {
                    assertEquals(0f, wide[r], "row " + r + " is outside the range but was written");
                } else if (call < ranges.length) {
                    assertClose(wide[r], w, r * COLS, x);
                }
            }
        }
    }

    private static void assertClose(float actual, float[] w, int wOffset, float[] x) {
        double exact = 0;
        double scale = 0;
        for (int i = 0; i < COLS; i++) {
            double product = (double) w[wOffset + i] * x[FloatDots.LEAD + i];
            exact += product;
            scale += Math.abs(product);
        }
        assertTrue(Math.abs(actual - exact) <= 1e-5 * scale, actual + " vs exact " + exact);
    }
}
