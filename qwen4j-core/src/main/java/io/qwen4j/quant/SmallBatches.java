package io.qwen4j.quant;

import java.lang.foreign.MemorySegment;

/**
 * {@link QuantFormat#matmul}, except that a batch of 2 up to the format's {@link QuantFormat#rowByRowBatch} runs
 * the batch-1 path once per activation row.
 *
 * <p>Why: the one-row kernels (16 lanes on AVX-512) outrun the batched paths, which decode each weight row once for
 * the whole batch, until the batch is large enough to pay for the decoding. On a matrix read from memory, two or
 * three rows went faster one at a time, each reading the weights again: {@code ./qwen4j bench matmul --batch 1,2,3
 * --rows 16384 --cols 3072}, batch 2 as a ratio to batch 1, Q4_0 0.72, Q4_K 0.69 at one thread (each format's
 * {@code rowByRowBatch} has its figures; README, "Small batches row by row"). Two or three streams are continuous
 * batching's common case. Formats with a pair kernel (Q8_0; Q4_0, IQ4_NL, MXFP4 and Q4_K by table lookup; Q6_K for
 * batches of 2) keep it: each weight decoded once for two rows (Q8_0 on the 0.6B model's matrices at two streams: 60.5 against 37.7 tok/s row by
 * row, {@code bench batch}). Every result is the batch-1 path's, so the same bits as any
 * batch gives.
 */
public final class SmallBatches {

    private SmallBatches() {
    }

    /** {@link QuantFormat#matmul} with the small-batch rule above. */
    public static void matmul(QuantFormat format, MemorySegment weights, long offset, int cols, float[] x, int batch,
                              float[] out, int outStride, int rowStart, int rowEnd) {
        if (batch == 1 || batch > format.rowByRowBatch()) {
            format.matmul(weights, offset, cols, x, batch, out, outStride, rowStart, rowEnd);
            return;
        }
        // the first row's results go straight to their place, out[r]; the others' through a buffer
        format.matmul(weights, offset, cols, x, 1, out, outStride, rowStart, rowEnd);
        float[] row = Scratch.floats(Scratch.Slot.BATCH_ROW, cols);
        float[] rowOut = Scratch.floats(Scratch.Slot.BATCH_ROW_OUT, rowEnd);
        for (int b = 1; b < batch; b++) {
            System.arraycopy(x, b * cols, row, 0, cols);
            format.matmul(weights, offset, cols, row, 1, rowOut, outStride, rowStart, rowEnd);
            System.arraycopy(rowOut, rowStart, out, b * outStride + rowStart, rowEnd - rowStart);
        }
    }
}
