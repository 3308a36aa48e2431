package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyReference.QK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SIMD kernels against a double-precision dot product of the reference-dequantized weights
 * (normalised error: |kernel - exact| / sum |w||x| below 1e-5), and the batched matmul against dot.
 */
class LegacyKernelTest {

    private static final double TOLERANCE = 1e-5;
    private static final int LEADING_BYTES = 5; // weights start at an odd offset, as tensors in a GGUF may

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void dotOfRandomBlocksOverShortAndLongRows(TensorType type) {
        Random random = new Random(6000 + type.ordinal());
        for (int blocks : new int[] {1, 2, 3, 7, 128, 344}) {
            byte[] weights = LegacyTestData.randomBlocks(type, blocks, random, LegacyTestData::moderateHalf);
            assertDotClose(type, weights, LegacyTestData.gaussian(blocks * QK, random));
        }
    }

    /** Weights as a quantizer makes them (for Q4_1/Q5_1, m is then the block minimum, as in real files). */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void dotOfQuantizedWeights(TensorType type) {
        Random random = new Random(7000 + type.ordinal());
        int blocks = 96;
        byte[] weights = LegacyReference.quantize(type, LegacyTestData.gaussian(blocks * QK, random));
        assertDotClose(type, weights, LegacyTestData.gaussian(blocks * QK, random));
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void dotWithEdgeScales(TensorType type) {
        Random random = new Random(8000 + type.ordinal());
        byte[] weights = LegacyTestData.edgeBlocks(type, random);
        int count = weights.length / LegacyReference.blockBytes(type) * QK;
        assertDotClose(type, weights, LegacyTestData.gaussian(count, random));
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void dotOfZeroBlocksIsZero(TensorType type) {
        byte[] weights = new byte[4 * LegacyReference.blockBytes(type)];
        float[] x = LegacyTestData.gaussian(4 * QK, new Random(9));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0f, QuantFormats.of(type).dot(segment(arena, weights), LEADING_BYTES, x, 0, 4 * QK));
        }
    }

    /**
     * Batches of 1..5 over a row range, into a wider output: each result equals that activation row's
     * dot bit for bit, is close to the exact product, and nothing outside the range is written. 1184
     * columns: the batched pass takes rows of more than {@code FloatDots.COLUMN_BLOCK} floats in blocks;
     * Q8_0's batches of 2 to 4 go through its paired kernel.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void matmulEqualsDotPerActivationRow(TensorType type) {
        Random random = new Random(9000 + type.ordinal());
        QuantFormat format = QuantFormats.of(type);
        for (int cols : new int[] {5 * QK, 37 * QK}) {
            matmulEqualsDotPerActivationRow(type, random, format, cols, 9);
        }
        // more rows than one block of Q8_0's paired kernel (16) takes
        matmulEqualsDotPerActivationRow(type, random, format, 5 * QK, 40);
    }

    private static void matmulEqualsDotPerActivationRow(TensorType type, Random random, QuantFormat format, int cols, int rows) {
        int rowStart = 2;
        int rowEnd = rows - 1;
        int outStride = rows + 3;
        long rowBytes = type.bytesFor(cols);
        byte[] weights = LegacyTestData.randomBlocks(type, rows * cols / QK, random, LegacyTestData::moderateHalf);
        float[] dequantized = LegacyReference.dequantize(type, weights, 0, rows * cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = segment(arena, weights);
            for (int batch = 1; batch <= 5; batch++) {
                float[] x = LegacyTestData.gaussian(batch * cols, random);
                float[] out = new float[batch * outStride];
                Arrays.fill(out, Float.NaN);
                format.matmul(segment, LEADING_BYTES, cols, x, batch, out, outStride, rowStart, rowEnd);
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < outStride; r++) {
                        float actual = out[b * outStride + r];
                        String where = type + " cols " + cols + " batch " + batch + " b " + b + " r " + r;
                        if (r < rowStart || r >= rowEnd) {
                            assertTrue(Float.isNaN(actual), where + " was written");
                            continue;
                        }
                        float single = format.dot(segment, LEADING_BYTES + r * rowBytes, x, b * cols, cols);
                        assertEquals(Float.floatToIntBits(single), Float.floatToIntBits(actual), where);
                        assertClose(actual, dequantized, r * cols, x, b * cols, cols, where);
                    }
                }
            }
        }
    }

    private static void assertDotClose(TensorType type, byte[] weights, float[] x) {
        int count = x.length;
        float[] w = LegacyReference.dequantize(type, weights, 0, count);
        try (Arena arena = Arena.ofConfined()) {
            float actual = QuantFormats.of(type).dot(segment(arena, weights), LEADING_BYTES, x, 0, count);
            assertClose(actual, w, 0, x, 0, count, type + " dot of " + count);
        }
    }

    private static void assertClose(float actual, float[] w, int wOffset, float[] x, int xOffset, int count, String where) {
        double exact = 0;
        double scale = 0;
        for (int i = 0; i < count; i++) {
            exact += (double) w[wOffset + i] * x[xOffset + i];
            scale += Math.abs((double) w[wOffset + i] * x[xOffset + i]);
        }
        double error = Math.abs(actual - exact);
        assertTrue(error <= TOLERANCE * scale, where + ": " + actual + " vs " + exact + " (scale " + scale + ")");
    }

    /** Native memory, like a mapped file, with the blocks after {@link #LEADING_BYTES} bytes. */
    private static MemorySegment segment(Arena arena, byte[] blocks) {
        MemorySegment segment = arena.allocate(LEADING_BYTES + blocks.length);
        MemorySegment.copy(blocks, 0, segment, ValueLayout.JAVA_BYTE, LEADING_BYTES, blocks.length);
        return segment;
    }
}
