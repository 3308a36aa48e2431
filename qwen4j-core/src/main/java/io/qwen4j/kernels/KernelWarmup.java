package io.qwen4j.kernels;

import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

/**
 * Gets the hot kernels compiled by C2 before the first token needs them. Vector API code runs 10-100x
 * slower until C2 compiles it (the interpreter and C1 box every vector), and a model's first forward pass
 * was measured at about 12 later passes. C2 compiles after some thousands of calls or loop iterations
 * whatever the data size, so calling each kernel the model uses many times on tiny zero-filled inputs
 * reaches that point in a fraction of the time one real matrix takes, and it runs on a background thread
 * while the loader parses the tokenizer and template.
 */
public final class KernelWarmup {

    /** Columns of the warm-up matrices: a whole number of blocks of every format (32 and 256). */
    private static final int COLS = 256;
    private static final int ROWS = 16;
    private static final int DOT_PASSES = 1_200;
    private static final int BATCH_PASSES = 200;
    private static final int VECTOR_PASSES = 3_000;

    private KernelWarmup() {
    }

    /** Types already warmed (or being warmed) in this JVM: later loads skip them. */
    private static final Set<TensorType> STARTED = EnumSet.noneOf(TensorType.class);
    private static boolean vectorOpsStarted;

    /**
     * Starts warming, on a daemon thread, the kernels of those {@code types} no earlier call has warmed, and
     * the F32 vector ops the first time. Returns at once; the model may run meanwhile (it is only slower).
     */
    public static void startInBackground(Set<TensorType> types) {
        Set<TensorType> fresh = EnumSet.noneOf(TensorType.class);
        boolean vectorOps;
        synchronized (STARTED) {
            for (TensorType type : types) {
                if (STARTED.add(type)) {
                    fresh.add(type);
                }
            }
            vectorOps = !vectorOpsStarted;
            vectorOpsStarted = true;
        }
        if (fresh.isEmpty() && !vectorOps) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                warm(fresh, vectorOps);
            } catch (RuntimeException | Error e) {
                // Only an optimisation: a kernel that fails here fails again, with context, on real data.
            }
        }, "qwen4j-kernel-warmup");
        t.setDaemon(true);
        t.start();
    }

    /** Runs each kernel enough times on small inputs for C2 to compile it. */
    static void warm(Set<TensorType> types, boolean vectorOps) {
        float[] x = new float[COLS * 4];
        float[] out = new float[ROWS * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.25f - 0.5f;
        }
        try (Arena arena = Arena.ofConfined()) {
            for (TensorType type : types) {
                QuantFormat format = QuantFormats.of(type);
                MemorySegment weights = arena.allocate(type.bytesFor((long) COLS * ROWS), 64);
                for (int pass = 0; pass < DOT_PASSES; pass++) {
                    format.matmul(weights, 0, COLS, x, 1, out, ROWS, 0, ROWS);
                }
                for (int pass = 0; pass < BATCH_PASSES; pass++) {
                    format.matmul(weights, 0, COLS, x, 4, out, ROWS, 0, ROWS);
                }
            }
        }
        if (vectorOps) {
            warmVectorOps(x, out);
        }
    }

    private static void warmVectorOps(float[] x, float[] out) {
        float[] y = new float[COLS];
        float[] weight = new float[COLS];
        java.util.Arrays.fill(weight, 1f);
        float[] table = new float[COLS / 2];
        for (int pass = 0; pass < VECTOR_PASSES; pass++) {
            VectorOps.rmsNorm(x, 0, weight, 1e-6f, y, 0, COLS);
            VectorOps.add(x, 0, y, 0, COLS);
            VectorOps.scale(y, 0, 0.5f, COLS);
            VectorOps.axpy(0.1f, x, 0, y, 0, COLS);
            VectorOps.softmax(y, 0, COLS);
            VectorOps.swiglu(y, 0, x, 0, COLS);
            VectorOps.rope(y, 0, COLS / 2, table, table, 0);
            out[0] += VectorOps.dot(x, 0, y, 0, COLS);
        }
    }
}
