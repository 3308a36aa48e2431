import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.MemoryBandwidth;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How close the Q8_0 decode kernel is to what Java can do at all on this CPU, on one thread.
 *
 * <p>Decode multiplies every weight once, so its speed is bounded by the cheaper of two things: memory
 * bandwidth and the per-weight work. The Vector API has no int8 dot product, so every int8 weight must be
 * widened to a float (vpmovsxbd + vcvtdq2ps on AVX2) before it can be multiplied. This measures, over the
 * same Q8_0 matrix, in one run:
 * <ol>
 *   <li>qwen4j's Q8_0 matvec (the decode kernel),
 *   <li>the same loop without the per-block fp16 scale (widen + FMA only),
 *   <li>the widening alone (widened codes summed into four accumulators, nothing multiplied),
 *   <li>memory read bandwidth with one thread ({@link MemoryBandwidth}, as {@code qwen4j bench} measures it).
 * </ol>
 * Each is given as GB/s of Q8_0 weight bytes consumed (the matrix is L3-resident by default, so (1)-(3) measure
 * compute, not memory): if (3) is below what 85 % of (4) needs, no F32-activation
 * kernel reaches 85 % of the decode ceiling on one thread here.
 *
 * <p>Run (after {@code ./qwen4j} has built the project once):
 * <pre>JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * $JAVA --add-modules jdk.incubator.vector [-Dwide=true] -cp qwen4j-core/target/classes scripts/bench/WideningFloor.java [ROWS COLS]</pre>
 * {@code -Dwide=true} runs (2) and (3) in 16 lanes (the kernel (1) runs its own shape either way).
 */
public class WideningFloor {

    /**
     * 8 lanes, or with {@code -Dwide=true} 16 (AVX-512), the shape of qwen4j's one-row kernels there. One shape per
     * run: a JVM that runs both through the Vector API's shared methods gets mixed type profiles and boxed vectors.
     */
    static final boolean WIDE = Boolean.getBoolean("wide");
    static final VectorSpecies<Float> F = WIDE ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> B = WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final int L = F.length();
    static final int BLOCK_BYTES = 34;

    /** Byte offsets, from a step's first block, of the step's four runs of {@link #L} codes (L divides a block's 32). */
    static final int O0 = codeOffset(0);
    static final int O1 = codeOffset(L);
    static final int O2 = codeOffset(2 * L);
    static final int O3 = codeOffset(3 * L);

    static int codeOffset(int k) {
        return (k >> 5) * BLOCK_BYTES + 2 + (k & 31);
    }

    static FloatVector widen(MemorySegment w, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    /** Widen + FMA, no block scale: four independent accumulators. */
    static float widenFma(MemorySegment w, long offset, float[] x, int count) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        for (int k = 0; k < count; k += 4 * L) {
            long base = offset + (long) (k >> 5) * BLOCK_BYTES;
            a0 = widen(w, base + O0).fma(FloatVector.fromArray(F, x, k), a0);
            a1 = widen(w, base + O1).fma(FloatVector.fromArray(F, x, k + L), a1);
            a2 = widen(w, base + O2).fma(FloatVector.fromArray(F, x, k + 2 * L), a2);
            a3 = widen(w, base + O3).fma(FloatVector.fromArray(F, x, k + 3 * L), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** The widening alone: the codes, as floats, summed. */
    static float widenOnly(MemorySegment w, long offset, int count) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        for (int k = 0; k < count; k += 4 * L) {
            long base = offset + (long) (k >> 5) * BLOCK_BYTES;
            a0 = widen(w, base + O0).add(a0);
            a1 = widen(w, base + O1).add(a1);
            a2 = widen(w, base + O2).add(a2);
            a3 = widen(w, base + O3).add(a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) throws Exception {
        // first: its 8-lane sum, compiled after the 16-lane loops below had run, read ~25 % lower (mixed profiles)
        double bandwidth;
        try (var pool = new ComputePool(1)) {
            bandwidth = MemoryBandwidth.measure(pool, MemoryBandwidth.DEFAULT_BYTES, MemoryBandwidth.DEFAULT_PASSES);
        }
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        QuantFormat q8 = QuantFormats.of(TensorType.Q8_0);
        long rowBytes = TensorType.Q8_0.bytesFor(cols);
        MemorySegment w = Arena.global().allocate(rowBytes * rows, 64);
        var random = new SplittableRandom(7);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) random.nextGaussian();
            }
            q8.quantize(row, 0, cols, w, r * rowBytes);
        }
        float[] x = new float[cols];
        for (int c = 0; c < cols; c++) {
            x[c] = (float) random.nextGaussian();
        }
        float[] out = new float[rows];
        double bytes = (double) rowBytes * rows;
        long[] best = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
        float sink = 0;
        // interleaved, best of many: the box is shared and noisy
        for (int it = 0; it < 400; it++) {
            long t0 = System.nanoTime();
            q8.matmul(w, 0, cols, x, 1, out, rows, 0, rows);
            long t1 = System.nanoTime();
            for (int r = 0; r < rows; r++) {
                sink += widenFma(w, r * rowBytes, x, cols);
            }
            long t2 = System.nanoTime();
            for (int r = 0; r < rows; r++) {
                sink += widenOnly(w, r * rowBytes, cols);
            }
            long t3 = System.nanoTime();
            best[0] = Math.min(best[0], t1 - t0);
            best[1] = Math.min(best[1], t2 - t1);
            best[2] = Math.min(best[2], t3 - t2);
        }
        String[] names = {"Q8_0 matvec (qwen4j decode kernel)", "widen + FMA, no block scale", "widening alone"};
        System.out.printf(Locale.ROOT, "%dx%d Q8_0 (%.1f MB), 1 thread, %d-lane loops, best of 400 interleaved calls (checksum %s)%n",
                rows, cols, bytes / 1e6, L, sink == sink ? "ok" : "NaN");
        for (int i = 0; i < 3; i++) {
            double gbs = bytes / best[i];
            System.out.printf(Locale.ROOT, "  %-36s %6.2f GB/s of weights  (%5.1f GFLOP/s-equivalent)  %.2fx of widening alone%n",
                    names[i], gbs, 2.0 * rows * cols / best[i], (double) best[2] / best[i]);
        }
        System.out.printf(Locale.ROOT, "  %-36s %6.2f GB/s  -> 85 %% of it needs %.2f GB/s of weights per thread%n",
                "memory read bandwidth, 1 thread", bandwidth, 0.85 * bandwidth);
    }
}
