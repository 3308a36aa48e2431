package io.qwen4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MatMul#matmulShared} (q/k/v or gate/up in one pass) against a plain double loop over the
 * dequantized weights, and to float rounding against one {@link MatMul#matmul} per matrix.
 */
class MatMulSharedTest {

    @Test
    void sharedPassEqualsSeparateMatmulsAndTheReference() {
        Random random = new Random(9);
        int cols = 256;
        int[] rowCounts = {200, 3, 1000}; // very unequal sizes: the small one still gets a chunk
        TensorType f32 = TensorType.F32, q8 = TensorType.Q8_0, q4k = TensorType.Q4_K, q4 = TensorType.Q4_0;
        // per matrix; the last mixes formats, one of which prepares its activations once for two matrices
        for (TensorType[] types : new TensorType[][] {{f32, f32, f32}, {q8, q8, q8}, {q4k, q4k, q4k}, {q4, q4, q4},
                {q4, q8, q4}}) {
            for (int batch : new int[] {1, 5}) {
                float[] x = new float[batch * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                Tensor[] weights = new Tensor[rowCounts.length];
                float[][] dequantized = new float[rowCounts.length][];
                for (int m = 0; m < rowCounts.length; m++) {
                    TensorType type = types[m];
                    float[] w = new float[cols * rowCounts[m]];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = (float) random.nextGaussian();
                    }
                    var segment = Arena.ofAuto().allocate((int) type.bytesFor(w.length));
                    QuantFormats.of(type).quantize(w, 0, w.length, segment, 0);
                    dequantized[m] = new float[w.length];
                    QuantFormats.of(type).dequantize(segment, 0, dequantized[m], 0, w.length);
                    weights[m] = new Tensor("w" + m, type, new long[] {cols, rowCounts[m]}, segment);
                }
                for (int threads = 1; threads <= 3; threads++) {
                    try (var pool = new ComputePool(threads)) {
                        float[][] shared = new float[rowCounts.length][];
                        for (int m = 0; m < rowCounts.length; m++) {
                            shared[m] = new float[batch * rowCounts[m]];
                        }
                        MatMul.matmulShared(pool, weights, x, batch, shared);
                        for (int m = 0; m < rowCounts.length; m++) {
                            TensorType type = types[m];
                            float[] separate = new float[batch * rowCounts[m]];
                            MatMul.matmul(pool, weights[m], x, batch, separate);
                            // Same kernels, but a row may land in a multi-row block in one split and alone in the
                            // other, and the Vector API's interpreted fallback reduces lanes in another order than
                            // C2's intrinsic: equal up to float rounding, not always bit for bit.
                            assertArrayEquals(separate, shared[m], 1e-4f, type + " matrix " + m + " threads " + threads);
                            for (int b = 0; b < batch; b++) {
                                for (int r = 0; r < rowCounts[m]; r++) {
                                    double expected = 0;
                                    for (int c = 0; c < cols; c++) {
                                        expected += (double) dequantized[m][r * cols + c] * x[b * cols + c];
                                    }
                                    assertEquals(expected, shared[m][b * rowCounts[m] + r], 1e-3 * Math.sqrt(cols),
                                            type + " matrix " + m + " row " + r);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
