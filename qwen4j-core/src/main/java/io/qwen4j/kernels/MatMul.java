package io.qwen4j.kernels;

import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.quant.SmallBatches;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * Parallel batched matrix multiplication: {@code out[b][r] = sum_c W[r][c] * x[b][c]} for a row-major
 * weight matrix in any storage format. Output rows are split across the pool's threads; each thread
 * calls the format's batched kernel, which reads every weight row once for the whole batch.
 */
public final class MatMul {

    /** Below this many weight bytes per chunk, splitting costs more than it saves. */
    private static final long MIN_BYTES_PER_CHUNK = 32 * 1024;

    private MatMul() {
    }

    /**
     * {@code out[b * rows + r] = W[r] . x[b * cols ...]} for a 2-D weight tensor with {@code shape = {cols, rows}}.
     */
    public static void matmul(ComputePool pool, Tensor w, float[] x, int batch, float[] out) {
        matmul(pool, w.type(), w.data(), 0, (int) w.dim(0), (int) w.dim(1), x, batch, out);
    }

    /**
     * The same over a {@code rows x cols} matrix starting at byte {@code offset} of {@code data}: used for
     * one expert's slice of a 3-D MoE tensor.
     */
    public static void matmul(ComputePool pool, TensorType type, MemorySegment data, long offset, int cols,
                              int rows, float[] x, int batch, float[] out) {
        QuantFormat format = QuantFormats.of(type);
        int minRows = minRows(type.bytesFor((long) cols));
        pool.parallelFor(rows, minRows,
                (rowStart, rowEnd) -> SmallBatches.matmul(format, data, offset, cols, x, batch, out, rows, rowStart, rowEnd));
    }

    /** The fewest rows worth a kernel call of their own: {@link #MIN_BYTES_PER_CHUNK} of weights. */
    private static int minRows(long rowBytes) {
        return (int) Math.max(1, MIN_BYTES_PER_CHUNK / rowBytes);
    }

    /**
     * Several matrices applied to the same {@code batch} input rows in one parallel pass:
     * {@code outs[i][b * rows_i + r] = W_i[r] . x[b * cols ...]} (q/k/v or gate/up projections). One
     * hand-off to the pool instead of one per matrix, their rows shared out as one range; every output row
     * comes from the same kernel as in {@link #matmul}, so from the same operations.
     */
    public static void matmulShared(ComputePool pool, Tensor[] weights, float[] x, int batch, float[][] outs) {
        if (pool.threads() == 1) {
            for (int i = 0; i < weights.length; i++) {
                matmul(pool, weights[i], x, batch, outs[i]);
            }
            return;
        }
        // the rows of all matrices as one range of items; a chunk may span two matrices
        int[] firstRow = new int[weights.length + 1];
        long widest = 1;
        for (int i = 0; i < weights.length; i++) {
            firstRow[i + 1] = firstRow[i] + (int) weights[i].dim(1);
            widest = Math.max(widest, weights[i].type().bytesFor(weights[i].dim(0)));
        }
        pool.parallelFor(firstRow[weights.length], minRows(widest), (start, end) -> {
            for (int i = 0; i < weights.length; i++) {
                int from = Math.max(start, firstRow[i]);
                int to = Math.min(end, firstRow[i + 1]);
                if (from < to) {
                    Tensor w = weights[i];
                    SmallBatches.matmul(QuantFormats.of(w.type()), w.data(), 0, (int) w.dim(0), x, batch, outs[i],
                            (int) w.dim(1), from - firstRow[i], to - firstRow[i]);
                }
            }
        });
    }
}
