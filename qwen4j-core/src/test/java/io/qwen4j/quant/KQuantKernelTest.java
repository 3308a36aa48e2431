package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SIMD dot and batched matmul against double dots of the reference-dequantized weights. */
class KQuantKernelTest {

    static float[] activations(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S",
        "IQ3_XXS", "IQ3_S", "MXFP4"})
    void dotMatchesDoubleDotOfDequantizedRow(TensorType type) {
        Random random = new Random(100 + type.ordinal());
        QuantFormat format = QuantFormats.of(type);
        for (int cols : new int[] {256, 1024, 4096}) {
            byte[] data = KQuantBlocks.random(type, cols / type.blockSize, random, 18);
            float[] w = KQuantReference.dequantize(type, data);
            float[] x = activations(random, cols + 9);
            double exact = 0;
            double magnitude = 0;
            for (int i = 0; i < cols; i++) {
                exact += (double) w[i] * x[9 + i];
                magnitude += Math.abs((double) w[i] * x[9 + i]);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment segment = KQuantBlocks.offHeap(arena, data, 3);
                float got = format.dot(segment, 3, x, 9, cols);
                double error = Math.abs(got - exact) / magnitude;
                assertTrue(error < 1e-5, type + " cols " + cols + ": normalised error " + error);
                // the fused kernels keep the shared accumulation order of a dot over decoded floats; Q2_K and
                // Q3_K use their own permuted orders, Q4_K and Q5_K factor the mins out (their batched matmuls
                // repeat what their dots do)
                if (type != TensorType.Q2_K && type != TensorType.Q3_K && type != TensorType.Q4_K && type != TensorType.Q5_K) {
                    assertEquals(Float.floatToRawIntBits(FloatDots.dot(w, 0, x, 9, cols)), Float.floatToRawIntBits(got),
                            type + " cols " + cols + ": dot differs from the shared F32 order");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S",
        "IQ3_XXS", "IQ3_S", "MXFP4"})
    void matmulOfEveryBatchSizeEqualsDotPerRow(TensorType type) {
        Random random = new Random(200 + type.ordinal());
        // 1280 columns: the batched pass takes rows of more than FloatDots.COLUMN_BLOCK floats in blocks
        for (int cols : new int[] {512, 1280}) {
            matmulOfEveryBatchSizeEqualsDotPerRow(type, random, cols);
        }
    }

    private static void matmulOfEveryBatchSizeEqualsDotPerRow(TensorType type, Random random, int cols) {
        QuantFormat format = QuantFormats.of(type);
        int rows = 7;
        long rowBytes = type.bytesFor(cols);
        byte[] data = KQuantBlocks.random(type, rows * cols / type.blockSize, random, 18);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = KQuantBlocks.offHeap(arena, data, 11);
            for (int batch = 1; batch <= 5; batch++) {
                float[] x = activations(random, batch * cols);
                int outStride = rows + 2;
                float[] out = new float[batch * outStride];
                java.util.Arrays.fill(out, Float.NaN);
                // five rows: two pairs (the two-row kernel) and an odd last row
                int rowStart = 1;
                int rowEnd = 6;
                format.matmul(segment, 11, cols, x, batch, out, outStride, rowStart, rowEnd);
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < outStride; r++) {
                        float got = out[b * outStride + r];
                        if (r < rowStart || r >= rowEnd) {
                            assertTrue(Float.isNaN(got), type + " wrote outside its rows: batch row " + b + " row " + r);
                            continue;
                        }
                        float expected = format.dot(segment, 11 + r * rowBytes, x, b * cols, cols);
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                                type + " cols " + cols + " batch " + batch + " b " + b + " row " + r + ": " + expected + " vs " + got);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S",
        "IQ3_XXS", "IQ3_S", "MXFP4"})
    void partialBlocksAreRejectedNotDropped(TensorType type) {
        QuantFormat format = QuantFormats.of(type);
        int count = type.blockSize + 16;
        var weights = Arena.ofAuto().allocate(2 * type.blockBytes);
        float[] x = new float[2 * type.blockSize];
        var error = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> format.dot(weights, 0, x, 0, count));
        assertTrue(error.getMessage().contains(String.valueOf(count)), error.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> format.dequantize(weights, 0, x, 0, count));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> format.matmul(weights, 0, count, x, 1, x, 1, 0, 1));
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S",
        "IQ3_XXS", "IQ3_S", "MXFP4"})
    void zeroWeightsGiveZero(TensorType type) {
        byte[] data = new byte[type.blockBytes * (1024 / type.blockSize)];
        float[] x = activations(new Random(3), 1024);
        assertEquals(0f, QuantFormats.of(type).dot(NativeSegments.of(MemorySegment.ofArray(data)), 0, x, 0, 1024));
    }
}
