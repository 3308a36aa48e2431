package io.qwen4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class MatMulTest {

    @Test
    void parallelMatmulMatchesScalarReference() {
        Random random = new Random(1);
        int cols = 320;
        int rows = 301; // not a multiple of the thread count
        int batch = 3;
        float[] w = new float[cols * rows];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (TensorType type : new TensorType[] {TensorType.F32, TensorType.F16, TensorType.BF16}) {
            var segment = Arena.ofAuto().allocate((int) type.bytesFor(w.length));
            QuantFormats.of(type).quantize(w, 0, w.length, segment, 0);
            float[] dequantized = new float[w.length];
            QuantFormats.of(type).dequantize(segment, 0, dequantized, 0, w.length);
            Tensor tensor = new Tensor("w", type, new long[] {cols, rows}, segment);
            for (int threads = 1; threads <= 3; threads++) {
                try (var pool = new ComputePool(threads)) {
                    float[] out = new float[batch * rows];
                    MatMul.matmul(pool, tensor, x, batch, out);
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            double expected = 0;
                            double norm = 0;
                            for (int c = 0; c < cols; c++) {
                                expected += (double) dequantized[r * cols + c] * x[b * cols + c];
                                norm += Math.abs((double) dequantized[r * cols + c] * x[b * cols + c]);
                            }
                            assertTrue(Math.abs(out[b * rows + r] - expected) / norm < 1e-5,
                                    type + " threads=" + threads + " b=" + b + " r=" + r);
                        }
                    }
                }
            }
        }
    }

    @Test
    void poolCoversEveryItemOnce() {
        try (var pool = new ComputePool(3)) {
            for (int n : new int[] {1, 2, 3, 5, 1000}) {
                var hits = new AtomicIntegerArray(n);
                for (int round = 0; round < 50; round++) {
                    pool.parallelFor(n, (start, end) -> {
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(50, hits.get(i), "item " + i + " of " + n);
                }
            }
        }
    }

    @Test
    void poolChunksAreAtLeastTheMinimumAndCoverEveryItemOnce() {
        try (var pool = new ComputePool(2)) {
            for (int n : new int[] {7, 30, 1000, 151_936}) {
                for (int min : new int[] {1, 10, 30}) {
                    var hits = new AtomicIntegerArray(n);
                    var shortChunks = new java.util.concurrent.atomic.AtomicInteger();
                    pool.parallelFor(n, min, (start, end) -> {
                        if (end - start < min && end != n) {
                            shortChunks.incrementAndGet();
                        }
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    assertEquals(0, shortChunks.get(), "chunks below " + min + " items, n=" + n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "item " + i + " of " + n + ", min " + min);
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(4, 0, (start, end) -> { }));
        }
    }

    @Test
    void workerFailureIsRethrownAndPoolStaysUsable() {
        try (var pool = new ComputePool(2)) {
            var e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(2, (start, end) -> {
                if (start == 1) {
                    throw new IllegalStateException("boom in chunk " + start);
                }
            }));
            assertEquals("boom in chunk 1", e.getMessage());
            int[] sum = new int[1];
            pool.parallelFor(2, (start, end) -> {
                synchronized (sum) {
                    sum[0] += end - start;
                }
            });
            assertEquals(2, sum[0]);
        }
    }

    @Test
    void nestedCallRunsSerially() {
        try (var pool = new ComputePool(2)) {
            var hits = new AtomicIntegerArray(4);
            pool.parallelFor(2, (start, end) -> pool.parallelFor(2, (s, e) -> {
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(start * 2 + i);
                }
            }));
            for (int i = 0; i < 4; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }
}
