package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K: 256 weights in 144 bytes, {@code w = d * scale_j * q - dmin * min_j} with 4-bit {@code q}.
 *
 * <p>Block ({@code block_q4_K}): {@code d} and {@code dmin} (fp16), 12 bytes packing eight 6-bit scales
 * and eight 6-bit mins (see {@link KQuants#scaleK4}), then 128 bytes of nibbles. Each 64-weight chunk
 * uses 32 bytes: low nibbles are weights 0-31 (sub-block 2c), high nibbles weights 32-63 (2c+1).
 */
final class Q4_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 144;
    /**
     * Where {@link #rowDot}'s order puts the 8 low-nibble weights of bytes {@code 8i..8i+7} of a 32-byte
     * chunk; their high nibbles follow 16 positions later. The order is element order with the middle
     * two of each 64 weights' four 16-weight groups swapped.
     */
    private static final int[] PERMUTED = {0, 8, 32, 40};
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;
    /**
     * A low nibble's values {@code q}, and a high nibble's as {@link #rowDot} multiplies it, unshifted ({@code 16 q},
     * its scale carrying the 1/16): times a sub-block's scale, the 16 products {@link #rowsDotPairWide} looks up.
     */
    private static final float[] LOW_LEVELS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final float[] HIGH_LEVELS = {0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240};
    /** {@link #rowsDot} and {@link #decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowsDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_KFormat.class, Species.WIDE ? "rowsDotWide" : "rowsDot",
                    KernelBarrier.ROWS_DOT_WITH_SIDE);
    /** {@link #rowsDotPairWide} behind a {@link KernelBarrier}, or null without {@link Species#WIDE}. */
    private final MethodHandle rowsDotPairKernel = Species.WIDE
            ? KernelBarrier.find(MethodHandles.lookup(), Q4_KFormat.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR_WITH_SIDE)
            : null;
    private final MethodHandle decodeScaledKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_KFormat.class, "decodeScaled", KernelBarrier.SCALED_DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q4_K;
    }

    /**
     * With {@link Species#WIDE}, batches of 2-4 take {@link #rowsDotPairWide}. Without it, batches of 2 and 3 row by row:
     * {@code bench matmul --types q4_k --batch 1,2,3 --rows 16384 --cols 3072}, batch 2 / 3 as a ratio to batch 1 with
     * the batched path, 0.69 / 0.80 at one thread, 0.76 / 0.87 at two (0.77 / 0.89 with the 8-lane kernels).
     */
    @Override
    public int rowByRowBatch() {
        return Species.WIDE ? 1 : 3;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            float min = KQuants.half(src, block + 2);
            for (int chunk = 0; chunk < 4; chunk++) {
                float d1 = d * KQuants.scaleK4(src, block + 4, 2 * chunk);
                float m1 = min * KQuants.minK4(src, block + 4, 2 * chunk);
                float d2 = d * KQuants.scaleK4(src, block + 4, 2 * chunk + 1);
                float m2 = min * KQuants.minK4(src, block + 4, 2 * chunk + 1);
                long q = block + 16 + 32 * chunk;
                for (int l = 0; l < 32; l++) {
                    dst[out + l] = d1 * (KQuants.u8(src, q + l) & 0xF) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[out + 32 + l] = d2 * (KQuants.u8(src, q + l) >>> 4) - m2;
                }
                out += 64;
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            float min = KQuants.half(src, block + 2);
            long scales = src.get(KQuants.LE_LONG, block + 4);
            int scalesHigh = src.get(KQuants.LE_INT, block + 12);
            for (int sub = 0; sub < 8; sub++) {
                float scale = d * KQuants.scaleK4(scales, scalesHigh, sub);
                float shift = min * KQuants.minK4(scales, scalesHigh, sub);
                long q = block + 16 + 32 * (sub >> 1);
                int nibble = 4 * (sub & 1);
                for (int l = 0; l < 32; l += 8) {
                    nibbles(src, q + l, nibble).mul(scale).sub(shift).intoArray(dst, out + l);
                }
                out += 32;
            }
        }
    }

    /**
     * Fused dot with the mins factored out: per 32-weight sub-block {@code j},
     * {@code sum(w x) = sum(d scale_j q x) - dmin min_j * sum(x)}. The x sums ({@link #subBlockSums})
     * depend on x alone, so a matmul computes them once for all rows, and per weight only widen, mask,
     * convert, scale and one FMA remain. See {@link #rowDot} for the order.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        int subs = count / 32;
        float[] factors = new float[3 * subs];
        subBlockSums(x, xOffset, count, factors, 2 * subs);
        return KernelBarrier.rowDot(rowsDotKernel, weights, offset, x, xOffset, count, factors);
    }

    /**
     * For a single activation row (its x sums computed once), {@link #rowsDot} over the range of rows. For more,
     * each row is decoded once, extended by its mins ({@link #decodeScaled}), and multiplied, two rows at a time, by pairs of
     * activation rows, each extended by its x sums, per pass ({@link FloatDots#decodedRowsTimesBatch}): the operations of
     * {@link #rowDot}, so every result equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        int subs = cols / 32;
        float[] xSums = Scratch.floats(Scratch.Slot.ACTIVATION_SUMS, batch * subs);
        for (int b = 0; b < batch; b++) {
            subBlockSums(x, b * cols, cols, xSums, b * subs);
        }
        int lead = FloatDots.LEAD;
        if (batch == 1) {
            float[] factors = Scratch.floats(Scratch.Slot.ROW_SIDE, 3 * subs);
            System.arraycopy(xSums, 0, factors, 2 * subs, subs);
            float[] aligned = FloatDots.alignedRows(x, 1, cols)[0];
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, aligned, lead, cols, out, rowStart, rowEnd, factors);
            return;
        }
        if (batch <= PAIRED_BATCH && rowsDotPairKernel != null) {
            float[][] xRows = FloatDots.alignedRows(x, batch, cols);
            // the two activation rows' sub-block sums, then the factors of each row of a block of PAIRED_ROWS
            float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, 2 * subs + PAIRED_ROWS * 2 * subs);
            // the pairs take each block of rows in turn, so the second pair reads its weights from cache
            for (int from = rowStart; from < rowEnd; from += PAIRED_ROWS) {
                int to = Math.min(rowEnd, from + PAIRED_ROWS);
                // unpacked here, not in the kernel (see rowsDotPairWide)
                for (int r = from; r < to; r++) {
                    int at = 2 * subs + (r - from) * 2 * subs;
                    unpackFactors(weights, offset + r * rowBytes, cols, side, at, at + subs);
                }
                for (int b = 0; b < batch; b += 2) {
                    // an odd last row is paired with itself, its two results written to the same place
                    int second = Math.min(b + 1, batch - 1);
                    System.arraycopy(xSums, b * subs, side, 0, subs);
                    System.arraycopy(xSums, second * subs, side, subs, subs);
                    KernelBarrier.rowsDotPair(rowsDotPairKernel, weights, offset, rowBytes, xRows[b], xRows[second], lead, cols,
                            out, b * outStride, (second - b) * outStride, from, to, side);
                }
            }
            return;
        }
        // each activation row permuted and extended by its x sums, as rowDot reads it
        int n = cols + subs;
        float[][] xExtended = Scratch.rows(batch, lead + n);
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < cols; k += 64) {
                System.arraycopy(x, b * cols + k, xExtended[b], lead + k, 16);
                System.arraycopy(x, b * cols + k + 32, xExtended[b], lead + k + 16, 16);
                System.arraycopy(x, b * cols + k + 16, xExtended[b], lead + k + 32, 16);
                System.arraycopy(x, b * cols + k + 48, xExtended[b], lead + k + 48, 16);
            }
            System.arraycopy(xSums, b * subs, xExtended[b], lead + cols, subs);
        }
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            unpackFactors(weights, row, cols, w, at + n, at + cols);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, w);
        }, n + subs, xExtended, n, batch, out, outStride, rowStart, rowEnd);
    }

    /** Each row of {@code [rowStart, rowEnd)}: its factors unpacked into {@code factors}, then {@link #rowDot} (without {@link Species#WIDE}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                                float[] out, int rowStart, int rowEnd, float[] factors) {
        int subs = count / 32;
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            unpackFactors(weights, row, count, factors, 0, subs);
            out[r] = rowDot(weights, row, x, xOffset, count, factors);
        }
    }

    /**
     * {@link #rowsDot} with 16-lane vectors, two neighbouring rows at a time, the {@link KernelBarrier#ROWS_DOT_WITH_SIDE}
     * kernel with {@link Species#WIDE}: the same bits as {@link #rowDot}. Neighbours, not the two halves of the range
     * as {@link #rowsDotInPairs} pairs them for Q8_0 and Q4_0: both rows' factors are unpacked first, a read through the two
     * rows in order, and so paired the kernel kept its speed on a matrix read from memory (16384x3072, one thread:
     * 23.2 GFLOP/s; halves 17.4; the 8-lane kernel 21.0), where halves kept Q8_0's.
     *
     * @param factors {@link #rowDot}'s, for the first row of each pair; the second's go to a buffer of their own
     */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd, float[] factors) {
        int subs = count / 32;
        float[] partnerFactors = Scratch.floats(Scratch.Slot.SECOND_ROW_SIDE, 2 * subs);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r += 2) {
            // an odd last row is paired with itself
            int partner = Math.min(r + 1, rowEnd - 1);
            long row = offset + r * rowBytes;
            unpackFactors(weights, row, count, factors, 0, subs);
            unpackFactors(weights, offset + partner * rowBytes, count, partnerFactors, 0, subs);
            twoRowsWide(weights, row, (partner - r) * rowBytes, x, xOffset, count, factors, partnerFactors, lanes);
            out[r] = minsTail(Lanes.sumOfTwo(lanes, 0), factors, subs, factors, 2 * subs, subs);
            out[partner] = minsTail(Lanes.sumOfTwo(lanes, 16), partnerFactors, subs, factors, 2 * subs, subs);
        }
    }

    /**
     * {@link #rowDot} of each row in {@code [rowStart, rowEnd)} with two activation rows, {@code x} into
     * {@code out[outAt + r]} and {@code y} into {@code out[outAt + outStride + r]}: the {@link KernelBarrier#ROWS_DOT_PAIR_WITH_SIDE}
     * kernel with {@link Species#WIDE}. Each 16 bytes are widened and looked up once for both (a sub-block's 16 products
     * {@code q * scale} in one register, as {@link NibbleTables} does for Q4_0: the products {@link #twoRowsWide}
     * computes), then each activation row takes {@link #twoRowsWide}'s FMAs in its order, so the same bits as one
     * {@link #dot} per activation row. The caller unpacks the rows' factors: inlined here, that code pushed the kernel
     * past C2's node budget ({@code NodeCountInliningCutoff}: its lookups were left out of line) and it ran boxed.
     *
     * @param side x's sub-block sums at {@code 0}, y's at {@code subs}, then each row's factors ({@link #unpackFactors}: scales, then
     *     mins), {@code 2 subs} floats a row from {@code rowStart}'s at {@code 2 subs}
     */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                                float[] out, int outAt, int outStride, int rowStart, int rowEnd, float[] side) {
        weights = NativeSegments.TYPE.cast(weights);
        int subs = count / 32;
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        var lowLevels = NibbleTables.levels(LOW_LEVELS);
        var highLevels = NibbleTables.levels(HIGH_LEVELS);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            int scales = 2 * subs * (1 + r - rowStart);
            int mins = scales + subs;
            var a = FloatVector.zero(WIDE);
            var b = FloatVector.zero(WIDE);
            int j = scales;
            int xs = xOffset;
            for (long block = row, end = row + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
                for (long q = block + 16; q < block + BLOCK_BYTES; q += 32) {
                    var low = NibbleTables.scaled(lowLevels, side[j]);
                    var high = NibbleTables.scaled(highLevels, side[j + 1]);
                    for (int l = 0; l < 32; l += 16) {
                        var nibbles = widen16(weights, q + l);
                        var lowWeights = NibbleTables.lookUp(nibbles, low);
                        var highWeights = NibbleTables.lookUp(nibbles.lanewise(VectorOperators.ASHR, 4), high);
                        a = highWeights.fma(FloatVector.fromArray(WIDE, x, xs + l + 32), lowWeights.fma(FloatVector.fromArray(WIDE, x, xs + l), a));
                        b = highWeights.fma(FloatVector.fromArray(WIDE, y, xs + l + 32), lowWeights.fma(FloatVector.fromArray(WIDE, y, xs + l), b));
                    }
                    j += 2;
                    xs += 64;
                }
            }
            for (int i = 0; i + 16 <= subs; i += 16) {
                var minFactors = FloatVector.fromArray(WIDE, side, mins + i);
                a = minFactors.fma(FloatVector.fromArray(WIDE, side, i), a);
                b = minFactors.fma(FloatVector.fromArray(WIDE, side, subs + i), b);
            }
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            out[outAt + r] = minsTail(Lanes.sumOfTwo(lanes, 0), side, mins, side, 0, subs);
            out[outAt + outStride + r] = minsTail(Lanes.sumOfTwo(lanes, 16), side, mins, side, subs, subs);
        }
    }

    /**
     * {@link #rowDot}'s two accumulators for two rows ({@code row}, {@code row + gap}) as one 16-lane accumulator
     * each, into {@code lanes[0..15]} and {@code lanes[16..31]}: lanes 0-7 take what {@code acc0} takes, lanes
     * 8-15 what {@code acc1} takes, by the same FMAs in the same order (16 bytes widened at once are
     * {@code b0} then {@code b1}, and x's matching 16 floats are contiguous), the mins' whole 16-lane chunks
     * included. Two rows, as one row's chain of FMA latencies would set the pace.
     */
    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count,
                                    float[] factorsA, float[] factorsB, float[] lanes) {
        int subs = count / 32;
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        int j = 0;
        int xs = xOffset;
        for (long block = row, end = row + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (long q = block + 16; q < block + BLOCK_BYTES; q += 32) {
                var lowA = FloatVector.broadcast(WIDE, factorsA[j]);
                var highA = FloatVector.broadcast(WIDE, factorsA[j + 1]);
                var lowB = FloatVector.broadcast(WIDE, factorsB[j]);
                var highB = FloatVector.broadcast(WIDE, factorsB[j + 1]);
                for (int l = 0; l < 32; l += 16) {
                    var xLow = FloatVector.fromArray(WIDE, x, xs + l);
                    var xHigh = FloatVector.fromArray(WIDE, x, xs + l + 32);
                    var wa = widen16(weights, q + l);
                    a = toFloats16(wa.and(0xF)).mul(lowA).fma(xLow, a);
                    a = toFloats16(wa.and(0xF0)).mul(highA).fma(xHigh, a);
                    var wb = widen16(weights, q + gap + l);
                    b = toFloats16(wb.and(0xF)).mul(lowB).fma(xLow, b);
                    b = toFloats16(wb.and(0xF0)).mul(highB).fma(xHigh, b);
                }
                j += 2;
                xs += 64;
            }
        }
        for (int i = 0; i + 16 <= subs; i += 16) {
            var sums = FloatVector.fromArray(WIDE, factorsA, 2 * subs + i);
            a = FloatVector.fromArray(WIDE, factorsA, subs + i).fma(sums, a);
            b = FloatVector.fromArray(WIDE, factorsB, subs + i).fma(sums, b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * {@code sum} plus the mins ({@code mins[minsAt + i]}) times the x sums ({@code sums[sumsAt + i]}) that the 16-lane
     * chunks left, as {@link #rowDot}'s scalar tail.
     */
    static float minsTail(float sum, float[] mins, int minsAt, float[] sums, int sumsAt, int subs) {
        for (int i = subs - subs % 16; i < subs; i++) {
            sum += mins[minsAt + i] * sums[sumsAt + i];
        }
        return sum;
    }

    /**
     * The dot of one row, {@link FloatDots}' order over a permuted, extended row: the weights without
     * their mins, {@code d scale_j q}, in element order except that each 64 weights' middle 16-weight
     * groups are swapped ({@link #PERMUTED}: 8 bytes widened once serve both nibbles), then the mins
     * {@code -(dmin min_j)}, times x permuted alike and then x's sub-block sums. High nibbles are used
     * unshifted (16 q) with a scale carrying the 1/16, which gives the same products.
     *
     * @param factors the row's scales ({@code count / 32}), its mins, then x's sub-block sums
     *     ({@link #unpackFactors}, {@link #subBlockSums}); the caller unpacks them, because with that
     *     scalar code inlined here the compiled kernel passed C2's node budget and its vectors were
     *     boxed (Q4_K at 1-3 GFLOP/s)
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count, float[] factors) {
        int subs = count / 32;
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int j = 0;
        int xs = xOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            // per 32 bytes: their low nibbles are sub-block j, their high nibbles j + 1
            for (long q = block + 16; q < block + BLOCK_BYTES; q += 32) {
                var low = FloatVector.broadcast(F, factors[j]);
                var high = FloatVector.broadcast(F, factors[j + 1]);
                for (int l = 0; l < 32; l += 16) {
                    var b0 = widen(weights, q + l);
                    var b1 = widen(weights, q + l + 8);
                    acc0 = toFloats(b0.and(0xF)).mul(low).fma(FloatVector.fromArray(F, x, xs + l), acc0);
                    acc1 = toFloats(b1.and(0xF)).mul(low).fma(FloatVector.fromArray(F, x, xs + l + 8), acc1);
                    acc0 = toFloats(b0.and(0xF0)).mul(high).fma(FloatVector.fromArray(F, x, xs + l + 32), acc0);
                    acc1 = toFloats(b1.and(0xF0)).mul(high).fma(FloatVector.fromArray(F, x, xs + l + 40), acc1);
                }
                j += 2;
                xs += 64;
            }
        }
        // the mins times the x sums, continuing FloatDots.dot's order (its scalar tail included)
        int i = 0;
        for (; i + 16 <= subs; i += 16) {
            acc0 = FloatVector.fromArray(F, factors, subs + i).fma(FloatVector.fromArray(F, factors, 2 * subs + i), acc0);
            acc1 = FloatVector.fromArray(F, factors, subs + i + 8).fma(FloatVector.fromArray(F, factors, 2 * subs + i + 8), acc1);
        }
        float sum = FloatDots.sum(acc0, acc1);
        for (; i < subs; i++) {
            sum += factors[subs + i] * factors[2 * subs + i];
        }
        return sum;
    }

    /**
     * Per 32-weight sub-block of {@code x}: the sum of its elements (four 8-lane vectors added from zero
     * in element order, then {@link Lanes#sum}), into {@code sums} from {@code sumsOffset}.
     */
    static void subBlockSums(float[] x, int xOffset, int count, float[] sums, int sumsOffset) {
        for (int k = 0, s = sumsOffset; k < count; k += 32, s++) {
            var sum = FloatVector.zero(F);
            for (int l = 0; l < 32; l += 8) {
                sum = FloatVector.fromArray(F, x, xOffset + k + l).add(sum);
            }
            sums[s] = Lanes.sum(sum);
        }
    }

    /**
     * One row as {@link #rowDot} multiplies it, for the batched matmul: {@code d scale_j q} in its
     * permuted order, then {@code -(dmin min_j)} per sub-block, into {@code scaled} from index {@code from}.
     * {@code factors} is the same array, with the mins at {@code from + count} and the scales past them at
     * {@code from + count + count / 32} ({@link #unpackFactors}, called first), so it needs
     * {@code from + count + count / 16} floats.
     */
    private static void decodeScaled(MemorySegment w, long offset, int count, float[] scaled, int from, float[] factors) {
        int scales = from + count + count / 32;
        int k = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (long q = block + 16; q < block + BLOCK_BYTES; q += 32) {
                var low = FloatVector.broadcast(F, factors[scales + k / 32]);
                var high = FloatVector.broadcast(F, factors[scales + k / 32 + 1]);
                for (int l = 0; l < 32; l += 8) {
                    var bytes = widen(w, q + l);
                    int at = from + k + PERMUTED[l >> 3];
                    toFloats(bytes.and(0xF)).mul(low).intoArray(scaled, at);
                    toFloats(bytes.and(0xF0)).mul(high).intoArray(scaled, at + 16);
                }
                k += 64;
            }
        }
    }

    /**
     * A row's factors ({@link KQuants#unpackK4Factors}): {@code d * scale_j} per sub-block at
     * {@code factors[scalesAt + j]} (times 1/16 for the odd, high-nibble sub-blocks; exact),
     * {@code -(dmin * min_j)} at {@code factors[minsAt + j]}.
     */
    static void unpackFactors(MemorySegment w, long offset, int count, float[] factors, int scalesAt, int minsAt) {
        KQuants.unpackK4Factors(w, offset, count, BLOCK_BYTES, true, factors, scalesAt, minsAt);
    }

    /** 8 nibbles (low for {@code shift} 0, high for 4) of 8 bytes as floats. */
    static FloatVector nibbles(MemorySegment w, long at, int shift) {
        return toFloats(widen(w, at).lanewise(VectorOperators.ASHR, shift).and(0xF));
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q4_K_ref}; see {@link KMinQuantizer}. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        KMinQuantizer.quantize(KMinQuantizer.Q4_K, src, srcOffset, count, dst, dstOffset);
    }
}
