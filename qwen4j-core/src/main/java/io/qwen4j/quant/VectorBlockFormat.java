package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Base of the block formats whose SIMD path decodes weights to F32 with the Vector API and multiplies
 * them with {@link FloatDots}' fixed accumulation order.
 *
 * <p>A subclass supplies the scalar reference {@link #dequantize} and a vectorised {@link #decode}
 * that must give bit-identical floats (same operations in the same order, no FMA). It may override
 * {@link #dot} with a fused kernel that keeps {@link FloatDots}' order. {@link #matmul} decodes each
 * weight row once into a scratch row and reuses it for every activation row of the batch, so a
 * batched matmul returns bit for bit what one dot per row returns.
 *
 * <p>Vector API code is only fast when C2 inlines all of it into one compiled method within its node
 * budget; past the budget the vectors are boxed and a kernel runs 3-10x slower, allocating. Hence the
 * small loop bodies, the per-block kernel methods and the {@link KernelBarrier} between callers and
 * kernels; measure allocation (GC count) after changing a kernel's shape.
 *
 * <p><b>Vectors not carried by loops.</b> A vector carried from one iteration to the next is, to C2, only the
 * abstract {@code IntVector} or {@code FloatVector} its loop phi declares; as the receiver of an operation it is a
 * virtual call unless a type profile guesses its class, and without one the loop runs boxed (Q2_K batch 1 at
 * 0.1 GFLOP/s under {@code -XX:-UseTypeProfile}). So accumulators are an operation's argument
 * ({@code acc = e.add(acc)}), and bit fields are shifted out of a vector loaded once, by a counter, rather than
 * shifted a step per iteration (README, "Vectors typed without a profile").
 */
abstract class VectorBlockFormat implements QuantFormat {

    static final VectorSpecies<Byte> BYTES_8 = ByteVector.SPECIES_64;
    static final VectorSpecies<Integer> INTS_8 = Species.INTS;
    private static final VectorSpecies<Float> INTS_8_FLOATS = Species.FLOATS;
    /**
     * Batches up to this size go through the pair kernel, when the format has one, instead of decoded rows:
     * Q8_0 1024x8192, one thread, batch 2 / 3 / 4: 31-32 / 31 / 43 -> 49 / 36 / 48 GFLOP/s ({@code bench matmul}).
     */
    static final int PAIRED_BATCH = 4;
    /** Weight rows per kernel call when two pairs share them: a block small enough to stay in L1/L2. */
    static final int PAIRED_ROWS = 16;

    /**
     * Eight bytes at {@code at}, sign-extended to int lanes. Bit fields are then cut out with int shifts:
     * AVX2 has no byte-lane shifts, and the emulated ones made decoders 2-3x slower.
     */
    static IntVector widen(MemorySegment src, long at) {
        src = NativeSegments.TYPE.cast(src);
        return (IntVector) ByteVector.fromMemorySegment(BYTES_8, src, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, INTS_8, 0);
    }

    /** Sixteen bytes at {@code at}, sign-extended to 16 int lanes ({@link #widen} for {@link Species#WIDE_FLOATS} kernels). */
    static IntVector widen16(MemorySegment src, long at) {
        src = NativeSegments.TYPE.cast(src);
        return (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, src, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, IntVector.SPECIES_512, 0);
    }

    /** Small ints to floats, lane for lane, 8 lanes ({@link #widen}); exact. */
    static FloatVector toFloats(IntVector ints) {
        return (FloatVector) ints.convertShape(VectorOperators.I2F, INTS_8_FLOATS, 0);
    }

    /**
     * {@link #toFloats} for 16 lanes ({@link #widen16}). Not one helper for both shapes, as "One vector shape" in
     * the README says of shared code: a helper's call into the Vector API carries one type profile for all its
     * callers. Calling {@code toFloats} from the K-quant factor unpacking, which the kernels inline, made them run
     * boxed (8-17 GFLOP/s). (The ~5 GFLOP/s runs of the 16-lane Q4_K kernel that remained after the split were
     * another profile: the segment reads', see {@link io.qwen4j.simd.NativeSegments}.)
     */
    static FloatVector toFloats16(IntVector ints) {
        return (FloatVector) ints.convertShape(VectorOperators.I2F, Species.WIDE_FLOATS, 0);
    }

    /** A 16-lane kernel over two rows at once, {@code row} and {@code row + gap}: their accumulators into {@code lanes[0..15]} and {@code lanes[16..31]}. */
    @FunctionalInterface
    interface TwoRowsWide {
        void accumulate(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes);
    }

    /**
     * A {@link KernelBarrier#ROWS_DOT} kernel from a {@link TwoRowsWide} one: row {@code r} of the range's first half is
     * taken together with row {@code r + half}, so the weights are read as two long sequential streams; taking
     * neighbouring rows together made streams of one row each and ran a 16384x3072 Q8_0 matrix (from memory) at half
     * the speed ({@code bench matmul --rows 16384 --cols 3072}: 12.7 against 26 GFLOP/s for one row at a time). Two
     * rows at all, as one row's accumulator chain would set the pace. Each 16-lane accumulator is summed as two 8-lane
     * ones ({@link Lanes#sumOfTwo}), by the caller's rule that such an accumulator is its 8-lane kernel's two side by side.
     */
    static void rowsDotInPairs(TwoRowsWide kernel, MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset,
                               int count, float[] out, int rowStart, int rowEnd) {
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        int half = (rowEnd - rowStart + 1) / 2;
        for (int r = rowStart; r < rowStart + half; r++) {
            // with an odd count the middle row is paired with itself
            int partner = Math.min(r + half, rowEnd - 1);
            kernel.accumulate(weights, offset + r * rowBytes, (partner - r) * rowBytes, x, xOffset, count, lanes);
            out[r] = Lanes.sumOfTwo(lanes, 0);
            out[partner] = Lanes.sumOfTwo(lanes, 16);
        }
    }

    /** A kernel over one row at {@code row}: its two 8-lane accumulators into {@code lanes[0..15]}. */
    @FunctionalInterface
    interface OneRow {
        void accumulate(MemorySegment weights, long row, float[] x, int xOffset, int count, float[] lanes);
    }

    /**
     * A {@link KernelBarrier#ROWS_DOT} kernel from a {@link OneRow} one, row after row: for formats whose loop step
     * spends more on reading and unpacking its fields than one accumulator chain takes, so a second row would not
     * hide latency, and whose fields read for a whole run at once (instead of for two rows) keep C2's node budget.
     */
    static void rowsDotOneByOne(OneRow kernel, MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset,
                                int count, float[] out, int rowStart, int rowEnd) {
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            kernel.accumulate(weights, offset + r * rowBytes, x, xOffset, count, lanes);
            out[r] = Lanes.sumOfTwo(lanes, 0);
        }
    }

    /** The largest batch the pair kernel takes, when there is one: {@link #PAIRED_BATCH} unless a format measured less. */
    int pairedBatch() {
        return PAIRED_BATCH;
    }

    /** Vectorised decode of {@code count} elements, bit-identical to {@link #dequantize}. */
    abstract void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count);

    /** {@link #decode} bound to this format behind a {@link KernelBarrier}, for the hot paths. */
    private final MethodHandle decodeKernel;

    /** A fused dot of a range of rows, or null for {@link #decode} then {@link FloatDots#dot} per row. */
    private final MethodHandle rowsDotKernel;
    /** {@link #rowsDotKernel} for two activation rows at once ({@link KernelBarrier#ROWS_DOT_PAIR}), or null. */
    private final MethodHandle rowsDotPairKernel;

    VectorBlockFormat() {
        this(null);
    }

    VectorBlockFormat(MethodHandle rowsDotKernel) {
        this(rowsDotKernel, null);
    }

    /**
     * @param rowsDotKernel a {@link KernelBarrier#ROWS_DOT} kernel that decodes in registers and gives, per
     *     row, {@link #decode} then {@link FloatDots#dot} bit for bit (so a batched matmul equals it), or null
     * @param rowsDotPairKernel the same for two activation rows at once ({@link KernelBarrier#ROWS_DOT_PAIR}),
     *     each weight decoded once for both, or null
     */
    VectorBlockFormat(MethodHandle rowsDotKernel, MethodHandle rowsDotPairKernel) {
        this.rowsDotKernel = rowsDotKernel;
        this.rowsDotPairKernel = rowsDotPairKernel;
        try {
            decodeKernel = MethodHandles.lookup()
                    .findVirtual(VectorBlockFormat.class, "decode", KernelBarrier.DECODE).bindTo(this);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public final void decodeToFloats(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        KernelBarrier.decode(decodeKernel, src, offset, dst, dstOffset, count);
    }

    /**
     * Rejects element counts that are not whole blocks; a partial block would otherwise be silently
     * dropped. Shapes come from files, but the loader validates them first, so this is a caller bug.
     */
    final void requireWholeBlocks(int count) {
        if (count < 0 || count % type().blockSize != 0) {
            throw new IllegalArgumentException(type() + " needs a multiple of " + type().blockSize + " elements, got " + count);
        }
    }

    /** The calling thread's buffer for one decoded weight row ({@link Scratch.Slot#ROW}). */
    static float[] scratch(int count) {
        return Scratch.floats(Scratch.Slot.ROW, count);
    }

    /**
     * The fused row dot when the format has one, else the decode-then-F32 dot. The decoder runs behind a {@link KernelBarrier}, so it compiles alone
     * whichever formats share a caller; {@link FloatDots#dot} is too big for C2 to inline anyway.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        if (rowsDotKernel != null) {
            return KernelBarrier.rowDot(rowsDotKernel, weights, offset, x, xOffset, count);
        }
        int lead = FloatDots.LEAD;
        float[] w = scratch(lead + count);
        KernelBarrier.decode(decodeKernel, weights, offset, w, lead, count);
        return FloatDots.dot(w, lead, x, xOffset, count);
    }

    /**
     * Batched matmul that decodes each weight row once and reuses it for the whole batch, three weight rows by
     * two activation rows per pass ({@link FloatDots#decodedRowsTimesBatch}); a single activation row gets
     * the format's row-range kernel over all the rows when it has one, else one {@link #dot} per weight row. Either way the activations are first copied to rows starting at
     * {@link FloatDots#LEAD}, 32-byte aligned under the launcher's JVM flags.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        float[][] xRows = FloatDots.alignedRows(x, batch, cols);
        if (batch == 1 && rowsDotKernel != null) {
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, xRows[0], FloatDots.LEAD, cols, out, rowStart, rowEnd);
            return;
        }
        if (batch <= pairedBatch() && rowsDotPairKernel != null) {
            // two pairs take each block of rows in turn, so the second reads its weights from cache
            int step = batch > 2 ? PAIRED_ROWS : rowEnd - rowStart;
            for (int from = rowStart; from < rowEnd; from += step) {
                int to = Math.min(rowEnd, from + step);
                for (int b = 0; b < batch; b += 2) {
                    // an odd last row is paired with itself, its two results written to the same place
                    int second = Math.min(b + 1, batch - 1);
                    KernelBarrier.rowsDotPair(rowsDotPairKernel, weights, offset, rowBytes, xRows[b], xRows[second],
                            FloatDots.LEAD, cols, out, b * outStride, (second - b) * outStride, from, to);
                }
            }
            return;
        }
        if (batch == 1) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[r] = dot(weights, offset + r * rowBytes, xRows[0], FloatDots.LEAD, cols);
            }
            return;
        }
        FloatDots.decodedRowsTimesBatch(
                (r, w, at) -> KernelBarrier.decode(decodeKernel, weights, offset + r * rowBytes, w, at, cols),
                cols, xRows, cols, batch, out, outStride, rowStart, rowEnd);
    }
}
