package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SmallBatchesTest {

    private static final int ROWS = 9;
    private static final int COLS = 512;

    /**
     * Every activation row of a small batch gets, in its place of the output, exactly what the batch-1 path gives it
     * alone; rows outside the range are left as they were. Run for every format: those that take small batches row
     * by row and those that keep their batched path must agree with batch 1 alike.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q8_0", "Q5_0", "Q5_1", "Q6_K", "IQ4_XS", "F32", "IQ1_S", "IQ1_M",
        "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S"})
    void eachRowOfASmallBatchIsWhatBatchOneGivesIt(TensorType type) {
        QuantFormat format = QuantFormats.of(type);
        var random = new Random(type.ordinal());
        float[] values = new float[ROWS * COLS];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        long rowBytes = type.bytesFor(COLS);
        MemorySegment weights = Arena.ofAuto().allocate(rowBytes * ROWS, 64);
        for (int r = 0; r < ROWS; r++) {
            if (format.canQuantize()) {
                format.quantize(values, r * COLS, COLS, weights, r * rowBytes);
            } else { // the i-quant grids: valid random blocks (RandomBlocks), as synth writes them
                RandomBlocks.instead(format).orElseThrow().randomBlocks(r, 1f, weights, r * rowBytes, COLS);
            }
        }
        int rowStart = 2;
        int rowEnd = 7;
        for (int batch = 1; batch <= 4; batch++) {
            float[] x = new float[batch * COLS];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[batch * ROWS];
            Arrays.fill(out, Float.NaN);
            SmallBatches.matmul(format, weights, 0, COLS, x, batch, out, ROWS, rowStart, rowEnd);
            for (int b = 0; b < batch; b++) {
                float[] row = Arrays.copyOfRange(x, b * COLS, (b + 1) * COLS);
                float[] alone = new float[ROWS];
                format.matmul(weights, 0, COLS, row, 1, alone, ROWS, rowStart, rowEnd);
                for (int r = 0; r < ROWS; r++) {
                    float got = out[b * ROWS + r];
                    if (r < rowStart || r >= rowEnd) {
                        assertTrue(Float.isNaN(got), type + " batch " + batch + ": row " + r + " is outside the range");
                    } else {
                        assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(got),
                                type + " batch " + batch + ", activation row " + b + ", weight row " + r);
                    }
                }
            }
        }
    }
}
