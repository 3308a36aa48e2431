package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The one-row kernels that have a 16-lane variant (chosen on AVX-512 machines) give the same bits as their 8-lane
 * one for every row of any range (odd counts pair a row with itself, ranges start anywhere), interpreted and once
 * C2 has compiled them, and their value is the exact dot within float rounding. Both variants are called directly,
 * so both are tested whichever the machine selects.
 */
class WideKernelTest {

    private static final int ROWS = 9;
    private static final int CALLS = 3000;
    private static final int[][] RANGES = {{0, ROWS}, {0, 1}, {2, 5}, {3, 7}, {1, 9}, {4, 6}};

    /** A kernel of {@link KernelBarrier#ROWS_DOT}'s shape over the test's weights and activations. */
    @FunctionalInterface
    private interface RowsKernel {
        void run(float[] out, int rowStart, int rowEnd);
    }

    /** A legacy format's {@link KernelBarrier#ROWS_DOT} kernel. */
    @FunctionalInterface
    private interface LegacyKernel {
        void run(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count, float[] out, int rowStart, int rowEnd);
    }

    @Test
    void q8_0WideKernelGivesTheNarrowKernelsBits() {
        assertLegacySameBits(TensorType.Q8_0, 8_016, Q8_0Format::rowsDot, Q8_0Format::rowsDotWide);
    }

    @Test
    void q4_0WideKernelGivesTheNarrowKernelsBits() {
        assertLegacySameBits(TensorType.Q4_0, 4_000, Q4_0Format::rowsDot, Q4_0Format::rowsDotWide);
    }

    /** The wide kernel cuts each element's fifth bit out of {@code qh} by a lane mask, the narrow one by a table. */
    @Test
    void q5_0WideKernelGivesTheNarrowKernelsBits() {
        assertLegacySameBits(TensorType.Q5_0, 5_000, Q5_0Format::rowsDot, Q5_0Format::rowsDotWide);
    }

    private static void assertLegacySameBits(TensorType type, long seed, LegacyKernel narrow, LegacyKernel wide) {
        int cols = 12 * 32;
        Random random = new Random(seed);
        byte[] bytes = LegacyTestData.randomBlocks(type, ROWS * cols / 32, random, LegacyTestData::moderateHalf);
        MemorySegment weights = NativeSegments.of(MemorySegment.ofArray(bytes));
        long rowBytes = type.bytesFor(cols);
        float[] x = aligned(LegacyTestData.gaussian(cols, random));
        assertSameBits(cols, LegacyReference.dequantize(type, bytes, 0, ROWS * cols), x,
                (out, from, to) -> narrow.run(weights, 0, rowBytes, x, FloatDots.LEAD, cols, out, from, to),
                (out, from, to) -> wide.run(weights, 0, rowBytes, x, FloatDots.LEAD, cols, out, from, to));
    }

    /** Random rows of a K-quant type, five 256-weight blocks each, with activations from {@link FloatDots#LEAD}. */
    private record KQuantRows(TensorType type, int cols, byte[] bytes, MemorySegment weights, long rowBytes, float[] x) {

        static KQuantRows random(TensorType type, long seed) {
            int cols = 5 * 256;
            Random random = new Random(seed);
            byte[] bytes = KQuantBlocks.random(type, ROWS * cols / 256, random, 18);
            return new KQuantRows(type, cols, bytes, NativeSegments.of(MemorySegment.ofArray(bytes)), type.bytesFor(cols),
                    aligned(LegacyTestData.gaussian(cols, random)));
        }

        void assertSameBits(LegacyKernel narrow, LegacyKernel wide) {
            WideKernelTest.assertSameBits(cols, KQuantReference.dequantize(type, bytes), x,
                    (out, from, to) -> narrow.run(weights, 0, rowBytes, x, FloatDots.LEAD, cols, out, from, to),
                    (out, from, to) -> wide.run(weights, 0, rowBytes, x, FloatDots.LEAD, cols, out, from, to));
        }
    }

    /** A scale-and-min K-quant's one-row kernel, given the side array that carries x's sub-block sums from {@code 2 subs}. */
    private interface KMinKernel {
        void run(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count, float[] out, int rowStart,
                 int rowEnd, float[] side);
    }

    /** 1280 columns are 40 sub-blocks: the mins of two whole 16-lane chunks, then a scalar tail of 8. */
    @Test
    void q4_KWideKernelGivesTheNarrowKernelsBits() {
        assertSameBitsWithSums(KQuantRows.random(TensorType.Q4_K, 4_016), Q4_KKernels::rowsDot, Q4_KKernels::rowsDotWide);
    }

    /**
     * The batched path's row decode: every float of the decoded row (weights in the dot's order, then the mins and the
     * scales it was given) the same bits from both decoders, interpreted and compiled.
     */
    @Test
    void q4_KWideDecodeGivesTheNarrowDecodesBits() {
        KQuantRows rows = KQuantRows.random(TensorType.Q4_K, 4_032);
        int cols = rows.cols();
        int subs = cols / 32;
        int at = FloatDots.LEAD;
        for (int call = 0; call < CALLS; call++) {
            int r = call % ROWS;
            long row = r * rows.rowBytes();
            float[] narrow = new float[at + cols + 2 * subs];
            float[] wide = new float[at + cols + 2 * subs];
            Q4_KFormat.unpackFactors(rows.weights(), row, cols, narrow, at + cols + subs, at + cols);
            Q4_KFormat.unpackFactors(rows.weights(), row, cols, wide, at + cols + subs, at + cols);
            Q4_KKernels.decodeScaled(rows.weights(), row, cols, narrow, at, narrow);
            Q4_KKernels.decodeScaledWide(rows.weights(), row, cols, wide, at, wide);
            for (int i = 0; i < narrow.length; i++) {
                assertEquals(Float.floatToIntBits(narrow[i]), Float.floatToIntBits(wide[i]), "row " + r + ", float " + i + ", call " + call);
            }
            if (call < ROWS) {
                // the weights part holds d * scale * q of every weight: with the mins added back, the reference weights
                float[] reference = KQuantReference.dequantize(TensorType.Q4_K, rows.bytes());
                for (int k = 0; k < cols; k++) {
                    int position = k / 64 * 64 + (k % 64 < 16 ? k % 64 : k % 64 < 32 ? k % 64 + 16 : k % 64 < 48 ? k % 64 - 16 : k % 64);
                    float weight = wide[at + position] + wide[at + cols + k / 32];
                    assertEquals(reference[r * cols + k], weight, 1e-6f * Math.max(1f, Math.abs(reference[r * cols + k])), "row " + r + ", weight " + k);
                }
            }
        }
    }

    /** The wide kernel takes rows in pairs, the narrow one row by row: each row's sum is the same. */
    @Test
    void q5_KWideKernelGivesTheNarrowKernelsBits() {
        assertSameBitsWithSums(KQuantRows.random(TensorType.Q5_K, 5_016), Q5_KFormat::rowsDot, Q5_KFormat::rowsDotWide);
    }

    /** Each kernel given a side array of its own holding x's sub-block sums, as the format's matmul gives it. */
    private static void assertSameBitsWithSums(KQuantRows rows, KMinKernel narrow, KMinKernel wide) {
        int subs = rows.cols() / 32;
        float[] narrowSide = new float[3 * subs];
        float[] wideSide = new float[3 * subs];
        KMinSums.subBlockSums(rows.x(), FloatDots.LEAD, rows.cols(), narrowSide, 2 * subs);
        KMinSums.subBlockSums(rows.x(), FloatDots.LEAD, rows.cols(), wideSide, 2 * subs);
        rows.assertSameBits(
                (w, offset, rowBytes, x, xOffset, cols, out, from, to) -> narrow.run(w, offset, rowBytes, x, xOffset, cols, out, from, to, narrowSide),
                (w, offset, rowBytes, x, xOffset, cols, out, from, to) -> wide.run(w, offset, rowBytes, x, xOffset, cols, out, from, to, wideSide));
    }

    /** The narrow kernel takes rows in pairs as the wide one does, so odd ranges pair a row with itself in both. */
    @Test
    void q6_KWideKernelGivesTheNarrowKernelsBits() {
        KQuantRows.random(TensorType.Q6_K, 6_016).assertSameBits(Q6_KFormat::rowsDot, Q6_KFormat::rowsDotWide);
    }

    private static float[] aligned(float[] values) {
        float[] x = new float[FloatDots.LEAD + values.length];
        System.arraycopy(values, 0, x, FloatDots.LEAD, values.length);
        return x;
    }

    private static void assertSameBits(int cols, float[] w, float[] x, RowsKernel narrowKernel, RowsKernel wideKernel) {
        for (int call = 0; call < CALLS; call++) {
            int[] range = RANGES[call % RANGES.length];
            float[] narrow = new float[ROWS];
            float[] wide = new float[ROWS];
            narrowKernel.run(narrow, range[0], range[1]);
            wideKernel.run(wide, range[0], range[1]);
            for (int r = 0; r < ROWS; r++) {
                assertEquals(Float.floatToIntBits(narrow[r]), Float.floatToIntBits(wide[r]),
                        "row " + r + " of range " + range[0] + ".." + range[1] + " at call " + call);
                boolean inRange = r >= range[0] && r < range[1];
                if (!inRange) {
                    assertEquals(0f, wide[r], "row " + r + " is outside the range but was written");
                } else if (call < RANGES.length) {
                    assertClose(wide[r], w, r * cols, x, cols);
                }
            }
        }
    }

    private static void assertClose(float actual, float[] w, int wOffset, float[] x, int cols) {
        double exact = 0;
        double scale = 0;
        for (int i = 0; i < cols; i++) {
            double product = (double) w[wOffset + i] * x[FloatDots.LEAD + i];
            exact += product;
            scale += Math.abs(product);
        }
        assertTrue(Math.abs(actual - exact) <= 1e-5 * scale, actual + " vs exact " + exact);
    }
}
