package io.qwen4j.kernels;

import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
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
        long bytes = type.bytesFor((long) cols) * rows;
        // A few chunks per thread, so a thread that gets no core for a while leaves its share to the others.
        int useful = (int) Math.max(1, Math.min(Math.min(4L * pool.threads(), rows), bytes / MIN_BYTES_PER_CHUNK));
        if (useful == 1 || pool.threads() == 1) {
            format.matmul(data, offset, cols, x, batch, out, rows, 0, rows);
            return;
        }
        pool.parallelFor(useful, (start, end) -> {
            int rowStart = (int) ((long) rows * start / useful);
            int rowEnd = (int) ((long) rows * end / useful);
            format.matmul(data, offset, cols, x, batch, out, rows, rowStart, rowEnd);
        });
    }

    /**
     * Several matrices applied to the same {@code batch} input rows in one parallel pass:
     * {@code outs[i][b * rows_i + r] = W_i[r] . x[b * cols ...]} (q/k/v or gate/up projections). One
     * hand-off to the pool instead of one per matrix; each matrix gets chunks in proportion to its bytes,
     * and every output row is computed by the same kernel call as {@link #matmul} would use.
     */
    public static void matmulShared(ComputePool pool, Tensor[] weights, float[] x, int batch, float[][] outs) {
        if (pool.threads() == 1) {
            for (int i = 0; i < weights.length; i++) {
                matmul(pool, weights[i], x, batch, outs[i]);
            }
            return;
        }
        long total = 0;
        for (Tensor w : weights) {
            total += w.type().bytesFor(w.dim(0)) * w.dim(1);
        }
        int target = 4 * pool.threads() * weights.length;
        int[] firstChunk = new int[weights.length + 1];
        for (int i = 0; i < weights.length; i++) {
            Tensor w = weights[i];
            long bytes = w.type().bytesFor(w.dim(0)) * w.dim(1);
            int chunks = (int) Math.max(1, Math.min(Math.min(w.dim(1), bytes / MIN_BYTES_PER_CHUNK),
                    Math.round((double) target * bytes / total)));
            firstChunk[i + 1] = firstChunk[i] + chunks;
        }
        pool.parallelFor(firstChunk[weights.length], (start, end) -> {
            int i = 0;
            for (int c = start; c < end; c++) {
                while (c >= firstChunk[i + 1]) {
                    i++;
                }
                Tensor w = weights[i];
                int rows = (int) w.dim(1);
                int chunks = firstChunk[i + 1] - firstChunk[i];
                int k = c - firstChunk[i];
                int rowStart = (int) ((long) rows * k / chunks);
                int rowEnd = (int) ((long) rows * (k + 1) / chunks);
                QuantFormats.of(w.type()).matmul(w.data(), 0, (int) w.dim(0), x, batch, outs[i], rows, rowStart, rowEnd);
            }
        });
    }
}
