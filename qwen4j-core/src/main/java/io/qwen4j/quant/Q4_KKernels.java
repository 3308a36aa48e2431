package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;
import static io.qwen4j.quant.Q4_KFormat.BLOCK_BYTES;
import static io.qwen4j.quant.Q4_KFormat.unpackFactors;
import static io.qwen4j.quant.VectorBlockFormat.toFloats;
import static io.qwen4j.quant.VectorBlockFormat.toFloats16;
import static io.qwen4j.quant.VectorBlockFormat.widen;
import static io.qwen4j.quant.VectorBlockFormat.widen16;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Q4_KFormat}'s kernels, each a compilation root behind a {@link KernelBarrier}: the one-row dots (8 lanes, and 16
 * two rows at a time), the pair kernel for two activation rows, and a row's decode for the batched tile. Every one
 * computes {@link #rowDot}'s products in its order, so all give the same bits.
 */
final class Q4_KKernels {

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

    private Q4_KKernels() {
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
            out[r] = KMinSums.tail(Lanes.sumOfTwo(lanes, 0), factors, subs, factors, 2 * subs, subs);
            out[partner] = KMinSums.tail(Lanes.sumOfTwo(lanes, 16), partnerFactors, subs, factors, 2 * subs, subs);
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
            a = KMinSums.wide(a, side, mins, side, 0, subs);
            b = KMinSums.wide(b, side, mins, side, subs, subs);
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            out[outAt + r] = KMinSums.tail(Lanes.sumOfTwo(lanes, 0), side, mins, side, 0, subs);
            out[outAt + outStride + r] = KMinSums.tail(Lanes.sumOfTwo(lanes, 16), side, mins, side, subs, subs);
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
        a = KMinSums.wide(a, factorsA, subs, factorsA, 2 * subs, subs);
        b = KMinSums.wide(b, factorsB, subs, factorsA, 2 * subs, subs);
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * The dot of one row, {@link FloatDots}' order over a permuted, extended row: the weights without
     * their mins, {@code d scale_j q}, in element order except that each 64 weights' middle 16-weight
     * groups are swapped ({@link #PERMUTED}: 8 bytes widened once serve both nibbles), then the mins
     * {@code -(dmin min_j)}, times x permuted alike and then x's sub-block sums. High nibbles are used
     * unshifted (16 q) with a scale carrying the 1/16, which gives the same products.
     *
     * @param factors the row's scales ({@code count / 32}), its mins, then x's sub-block sums
     *     ({@link #unpackFactors}, {@link KMinSums#subBlockSums}); the caller unpacks them, because with that
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
        for (int i = 0; i + 16 <= subs; i += 16) {
            acc0 = FloatVector.fromArray(F, factors, subs + i).fma(FloatVector.fromArray(F, factors, 2 * subs + i), acc0);
            acc1 = FloatVector.fromArray(F, factors, subs + i + 8).fma(FloatVector.fromArray(F, factors, 2 * subs + i + 8), acc1);
        }
        return KMinSums.tail(FloatDots.sum(acc0, acc1), factors, subs, factors, 2 * subs, subs);
    }

    /**
     * One row as {@link #rowDot} multiplies it, for the batched matmul: {@code d scale_j q} in its
     * permuted order, then {@code -(dmin min_j)} per sub-block, into {@code scaled} from index {@code from}.
     * {@code factors} is the same array, with the mins at {@code from + count} and the scales past them at
     * {@code from + count + count / 32} ({@link #unpackFactors}, called first), so it needs
     * {@code from + count + count / 16} floats.
     */
    static void decodeScaled(MemorySegment w, long offset, int count, float[] scaled, int from, float[] factors) {
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
     * {@link #decodeScaled} with 16-lane vectors, the {@link KernelBarrier#SCALED_DECODE} kernel with {@link Species#WIDE}:
     * a chunk's 16-byte halves are already contiguous in {@link #rowDot}'s order (low nibbles of bytes 0-15 at 0-15,
     * their high nibbles at 16-31, bytes 16-31 at 32-63), so each half is one load, two masks, two conversions, two
     * multiplies and two stores, half {@link #decodeScaled}'s instructions for the same values.
     */
    static void decodeScaledWide(MemorySegment w, long offset, int count, float[] scaled, int from, float[] factors) {
        int scales = from + count + count / 32;
        int k = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (long q = block + 16; q < block + BLOCK_BYTES; q += 32) {
                var low = FloatVector.broadcast(WIDE, factors[scales + k / 32]);
                var high = FloatVector.broadcast(WIDE, factors[scales + k / 32 + 1]);
                var bytes = widen16(w, q);
                toFloats16(bytes.and(0xF)).mul(low).intoArray(scaled, from + k);
                toFloats16(bytes.and(0xF0)).mul(high).intoArray(scaled, from + k + 16);
                bytes = widen16(w, q + 16);
                toFloats16(bytes.and(0xF)).mul(low).intoArray(scaled, from + k + 32);
                toFloats16(bytes.and(0xF0)).mul(high).intoArray(scaled, from + k + 48);
                k += 64;
            }
        }
    }
}
