package io.qwen4j.kernels;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's memory read bandwidth as decode sees it: a read-only float sum over an off-heap array far
 * larger than any cache, split over the same {@link ComputePool} the model runs on, best of several passes.
 * It is the ceiling's numerator: decode of a model much larger than L3 cannot stream weights faster.
 */
public final class MemoryBandwidth {

    /** The contract's array size (../shared/CONTRACTS.md "Benchmarks"): 1 GiB. */
    public static final long DEFAULT_BYTES = 1L << 30;
    public static final int DEFAULT_PASSES = 5;

    private static final VectorSpecies<Float> F = Species.FLOATS;
    /** Bytes each chunk of work covers: big enough that scheduling is noise, small enough to balance. */
    private static final long CHUNK_BYTES = 4L << 20;

    /** Keeps the sums observable, so the JIT cannot drop the reads. */
    private static volatile float sink;

    private MemoryBandwidth() {
    }

    /** Best read bandwidth in GB/s (1e9 bytes/s) over {@code passes} passes of {@code bytes} bytes. */
    public static double measure(ComputePool pool, long bytes, int passes) {
        if (bytes < CHUNK_BYTES || passes < 1) {
            throw new IllegalArgumentException("need at least " + CHUNK_BYTES + " bytes and one pass");
        }
        long size = bytes / CHUNK_BYTES * CHUNK_BYTES;
        int chunks = (int) (size / CHUNK_BYTES);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(size, 64);
            data.fill((byte) 0x3c); // touch every page (and avoid denormals)
            float[] partial = new float[chunks];
            double best = 0;
            for (int pass = 0; pass <= passes; pass++) { // pass 0 warms up the JIT and the pages
                long start = System.nanoTime();
                pool.parallelFor(chunks, (from, to) -> {
                    for (int c = from; c < to; c++) {
                        partial[c] = sum(data, c * CHUNK_BYTES, CHUNK_BYTES);
                    }
                });
                long nanos = System.nanoTime() - start;
                float total = 0;
                for (float p : partial) {
                    total += p;
                }
                sink = total;
                if (pass > 0) {
                    best = Math.max(best, size / (double) nanos);
                }
            }
            return best;
        }
    }

    /** Sum of the floats in {@code [offset, offset + length)}, four independent accumulators. */
    static float sum(MemorySegment data, long offset, long length) {
        // typed as the kernels' weights are, so the ceiling is measured with the same reads they make
        data = NativeSegments.TYPE.cast(data);
        var a = FloatVector.zero(F);
        var b = FloatVector.zero(F);
        var c = FloatVector.zero(F);
        var d = FloatVector.zero(F);
        long step = 4L * F.vectorByteSize();
        for (long at = offset, end = offset + length; at < end; at += step) {
            a = FloatVector.fromMemorySegment(F, data, at, ByteOrder.LITTLE_ENDIAN).add(a);
            b = FloatVector.fromMemorySegment(F, data, at + 32, ByteOrder.LITTLE_ENDIAN).add(b);
            c = FloatVector.fromMemorySegment(F, data, at + 64, ByteOrder.LITTLE_ENDIAN).add(c);
            d = FloatVector.fromMemorySegment(F, data, at + 96, ByteOrder.LITTLE_ENDIAN).add(d);
        }
        return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }
}
