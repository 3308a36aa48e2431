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
}
