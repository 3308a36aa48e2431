package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyReference.QK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kernels give the same bits before and after the JIT compiles them: the other tests mostly run
 * interpreted or C1 code, while inference runs C2's Vector API intrinsics. Enough calls here for C2 to
 * compile dot, the row decoders and the batched kernel; every call must equal the first one (all the
 * operations used are exactly specified lanewise), and the first must be close to the exact product.
 */
class LegacyCompiledKernelTest {

    private static final int CALLS = 2500;

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void resultsStayIdenticalOnceCompiled(TensorType type) {
        Random random = new Random(12_000 + type.ordinal());
        QuantFormat format = QuantFormats.of(type);
        int rows = 8;
        int cols = 8 * QK;
        int batch = 5;
        byte[] bytes = LegacyTestData.randomBlocks(type, rows * cols / QK, random, LegacyTestData::moderateHalf);
        MemorySegment weights = NativeSegments.of(MemorySegment.ofArray(bytes));
        float[] x = LegacyTestData.gaussian(batch * cols, random);

        float[] firstBatched = null;
        float[] firstSingle = null;
        for (int call = 0; call < CALLS; call++) {
            float[] batched = new float[batch * rows];
            float[] single = new float[rows];
            format.matmul(weights, 0, cols, x, batch, batched, rows, 0, rows);
            format.matmul(weights, 0, cols, x, 1, single, rows, 0, rows); // batch 1 goes through dot
            if (call == 0) {
                firstBatched = batched;
                firstSingle = single;
                continue;
            }
            for (int i = 0; i < batched.length; i++) {
                assertEquals(Float.floatToIntBits(firstBatched[i]), Float.floatToIntBits(batched[i]),
                        type + " batched output " + i + " changed at call " + call);
            }
            for (int i = 0; i < rows; i++) {
                assertEquals(Float.floatToIntBits(firstSingle[i]), Float.floatToIntBits(single[i]),
                        type + " dot of row " + i + " changed at call " + call);
                assertEquals(Float.floatToIntBits(single[i]), Float.floatToIntBits(batched[i]),
                        type + " batch row 0 differs from dot, row " + i);
            }
        }
        float[] w = LegacyReference.dequantize(type, bytes, 0, rows * cols);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                double scale = 0;
                for (int i = 0; i < cols; i++) {
                    exact += (double) w[r * cols + i] * x[b * cols + i];
                    scale += Math.abs((double) w[r * cols + i] * x[b * cols + i]);
                }
                float actual = firstBatched[b * rows + r];
                assertTrue(Math.abs(actual - exact) <= 1e-5 * scale, type + " b " + b + " r " + r + ": " + actual + " vs " + exact);
            }
        }
    }
}
