package io.qwen4j.kernels;

import io.qwen4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The best GFLOP/s the batched matmul kernel reaches on a model's own weight matrices, timed alone: the
 * yardstick a whole prefill is compared with. A prefill also normalises, applies RoPE, attends and samples
 * between matmuls; its ratio to this number says how much of the kernel's speed survives that.
 */
public final class KernelThroughput {

    /** The fastest matrix: its name, shape and rate. */
    public record Best(String tensor, int rows, int cols, int batch, double gflops) {
    }

    /** Keeps an output observable, so the JIT cannot drop the work. */
    private static volatile float sink;

    private KernelThroughput() {
    }

    /**
     * Times {@link MatMul#matmul} with {@code batch} random activation rows on every 2-D tensor given, each
     * repeated for about {@code secondsEach} after as long again untimed, and returns the fastest (best
     * single time per tensor). The untimed part is for the JIT: a K-quant's kernels may still be interpreted
     * after 0.3 s on a busy 2-core box (bench matmul then reported Q4_K batch 1 at 0.2 GFLOP/s in 9 of 12
     * runs at {@code --seconds 0.3}, against 13.6 once compiled).
     */
    public static Best measure(ComputePool pool, List<Tensor> matrices, int batch, double secondsEach) {
        if (matrices.isEmpty() || batch < 1) {
            throw new IllegalArgumentException("need a matrix and a batch of at least 1");
        }
        var random = new SplittableRandom(7);
        Best best = null;
        for (Tensor w : matrices) {
            if (w.dims() != 2) {
                throw new IllegalArgumentException(w.name() + " is not a matrix");
            }
            int cols = (int) w.dim(0);
            int rows = (int) w.dim(1);
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextDouble(-1, 1);
            }
            float[] out = new float[batch * rows];
            long warmUpEnd = System.nanoTime() + (long) (secondsEach * 1e9);
            do {
                MatMul.matmul(pool, w, x, batch, out);
            } while (System.nanoTime() < warmUpEnd);
            long bestNanos = Long.MAX_VALUE;
            long deadline = System.nanoTime() + (long) (secondsEach * 1e9);
            do {
                long start = System.nanoTime();
                MatMul.matmul(pool, w, x, batch, out);
                bestNanos = Math.min(bestNanos, System.nanoTime() - start);
            } while (System.nanoTime() < deadline);
            sink = out[0];
            double gflops = 2.0 * rows * cols * batch / bestNanos;
            if (best == null || gflops > best.gflops) {
                best = new Best(w.name(), rows, cols, batch, gflops);
            }
        }
        return best;
    }
}
