package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** F32, F16 and BF16 kernels against a double-precision sum, and batched matmul against dot, bit for bit. */
class FloatFormatKernelTest {

    private static final TensorType[] TYPES = {TensorType.F32, TensorType.F16, TensorType.BF16};
    /** Row lengths around the 16- and 32-element steps of the kernels, and odd ones with tails. */
    /** Every path of the batched 2x2 kernel: 32-float steps, a 16-float step after them or alone, a scalar tail. */
    /** Up to 1000: one pass over the row; 1040 and 2072: the batched pass in column blocks, 16- and 8-float tails. */
    private static final int[] COLS = {1, 7, 16, 37, 50, 64, 100, 320, 1000, 1040, 2072};

    @Test
    void dotMatchesADoublePrecisionSum() {
        Random random = new Random(3);
        for (TensorType type : TYPES) {
            QuantFormat format = QuantFormats.of(type);
            for (int cols : COLS) {
                float[] w = gaussian(random, cols);
                float[] x = gaussian(random, cols + 5);
                MemorySegment segment = Arena.ofAuto().allocate((int) type.bytesFor(cols) + 6);
                format.quantize(w, 0, cols, segment, 6); // an unaligned offset
                float[] stored = new float[cols];
                format.dequantize(segment, 6, stored, 0, cols);
                double expected = 0;
                double norm = 0;
                for (int c = 0; c < cols; c++) {
                    expected += (double) stored[c] * x[5 + c];
                    norm += Math.abs((double) stored[c] * x[5 + c]);
                }
                float got = format.dot(segment, 6, x, 5, cols);
                // float accumulation of n products: relative error within a few n * 2^-24 of the norm
                assertTrue(Math.abs(got - expected) <= 1e-6 * cols * norm + 1e-30,
                        type + " cols=" + cols + ": " + got + " vs " + expected);
            }
        }
    }

    @Test
    void batchedMatmulEqualsOneDotPerRowBitForBit() {
        // two activation pairs and an odd row
        assertEveryTypeAndWidth(new Random(4), 5, 1);
    }

    @Test
    void singleRowMatmulEqualsOneDotPerRowBitForBit() {
        // batch 1 takes the row-range kernels (BF16: rows in 16-lane pairs when whole 16-value chunks, else one by one)
        assertEveryTypeAndWidth(new Random(6), 1, 2);
    }

    /**
     * For every type and width, five random rows (two row pairs and an odd row) times {@code batch} random activation
     * rows, starting at row 0, 1, ... below {@code firstRows}: {@link #assertMatmulEqualsDots}.
     */
    private static void assertEveryTypeAndWidth(Random random, int batch, int firstRows) {
        for (TensorType type : TYPES) {
            QuantFormat format = QuantFormats.of(type);
            for (int cols : COLS) {
                int rows = 5;
                float[] w = gaussian(random, rows * cols);
                float[] x = gaussian(random, batch * cols);
                MemorySegment segment = quantizedRows(format, w, rows, cols);
                for (int from = 0; from < firstRows; from++) {
                    assertMatmulEqualsDots(format, segment, rows, cols, x, batch, from);
                }
            }
        }
    }

    /** A matmul of rows {@code from..rows} by {@code batch} activation rows gives, bit for bit, one {@code dot} per row and activation row. */
    private static void assertMatmulEqualsDots(QuantFormat format, MemorySegment segment, int rows, int cols, float[] x, int batch,
                                               int from) {
        long rowBytes = format.type().bytesFor(cols);
        float[] out = new float[batch * rows];
        format.matmul(segment, 0, cols, x, batch, out, rows, from, rows);
        for (int b = 0; b < batch; b++) {
            for (int r = from; r < rows; r++) {
                float single = format.dot(segment, r * rowBytes, x, b * cols, cols);
                assertEquals(Float.floatToIntBits(single), Float.floatToIntBits(out[b * rows + r]),
                        format.type() + " cols=" + cols + " batch=" + batch + " rows " + from + ".." + rows + " b=" + b + " r=" + r);
            }
        }
    }

    /** {@code rows} rows of {@code cols} values of {@code w}, stored one after the other in the format. */
    private static MemorySegment quantizedRows(QuantFormat format, float[] w, int rows, int cols) {
        long rowBytes = format.type().bytesFor(cols);
        MemorySegment segment = Arena.ofAuto().allocate((int) (rowBytes * rows));
        for (int r = 0; r < rows; r++) {
            format.quantize(w, r * cols, cols, segment, r * rowBytes);
        }
        return segment;
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
