package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
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
 * Q5_K: 256 weights in 176 bytes, {@code w = d * scale_j * q - dmin * min_j} with 5-bit {@code q}.
 *
 * <p>Block ({@code block_q5_K}): {@code d}, {@code dmin} (fp16), 12 bytes of 6-bit scales and mins as
 * in Q4_K, 32 bytes {@code qh} of fifth bits, 128 bytes of nibbles laid out as Q4_K. For chunk {@code c}
 * (64 weights) weight {@code l} takes bit {@code 2c} of {@code qh[l]}, weight {@code 32 + l} bit {@code 2c+1}.
 */
final class Q5_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 176;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;
    private static final VectorSpecies<Integer> I = Species.INTS;
    /** {@link #rowsDot}, {@link #rowsDotPairWide} and {@link #decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowsDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q5_KFormat.class, Species.WIDE ? "rowsDotWide" : "rowsDot",
                    KernelBarrier.ROWS_DOT_WITH_SIDE);
    private final MethodHandle rowsDotPairKernel = Species.WIDE
            ? KernelBarrier.find(MethodHandles.lookup(), Q5_KFormat.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR_WITH_SIDE)
            : null;
    private final MethodHandle decodeScaledKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q5_KFormat.class, "decodeScaled", KernelBarrier.SCALED_DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q5_K;
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
                long ql = block + 48 + 32 * chunk;
                long qh = block + 16;
                for (int l = 0; l < 32; l++) {
                    int high = (KQuants.u8(src, qh + l) >>> (2 * chunk)) & 1;
                    dst[out + l] = d1 * ((KQuants.u8(src, ql + l) & 0xF) + 16 * high) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int high = (KQuants.u8(src, qh + l) >>> (2 * chunk + 1)) & 1;
                    dst[out + 32 + l] = d2 * ((KQuants.u8(src, ql + l) >>> 4) + 16 * high) - m2;
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
                long ql = block + 48 + 32 * (sub >> 1);
                int nibble = 4 * (sub & 1);
                for (int l = 0; l < 32; l += 8) {
                    var level = widen(src, ql + l).lanewise(VectorOperators.ASHR, nibble).and(0xF)
                            .or(widen(src, block + 16 + l).lanewise(VectorOperators.ASHR, sub).and(1).lanewise(VectorOperators.LSHL, 4));
                    toFloats(level).mul(scale).sub(shift).intoArray(dst, out + l);
                }
                out += 32;
            }
        }
    }

    /**
     * Fused dot with the mins factored out as in {@link Q4_KFormat#dot}: per 32-weight sub-block {@code j},
     * {@code sum(w x) = sum(d scale_j q x) - dmin min_j * sum(x)}, in {@link FloatDots}' order over the row extended by
     * its mins, {@code [d scale_j q (element order), -(dmin min_j)] . [x, x's sub-block sums]}. A kernel first unpacks
     * the row ({@link #unpack}: its 5-bit levels as bytes, one per weight, and its factors), then per 16 weights widens
     * 16 levels, scales them and makes one FMA, as Q6_K's kernels do.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        int subs = count / 32;
        float[] side = new float[3 * subs];
        KMinSums.subBlockSums(x, xOffset, count, side, 2 * subs);
        return KernelBarrier.rowDot(rowsDotKernel, weights, offset, x, xOffset, count, side);
    }

    /**
     * x is summed per sub-block once per call. One activation row takes {@link #rowsDot} over the range of rows, two
     * (with {@link Species#WIDE}) {@link #rowsDotPairWide}; more, each row decoded once, extended by its mins
     * ({@link #decodeScaled}), and multiplied, two rows at a time, by pairs of activation rows, each extended by its x
     * sums, per pass ({@link FloatDots#decodedRowsTimesBatch}): {@link FloatDots}' order over the extended row each
     * time, so every result equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        int subs = cols / 32;
        int lead = FloatDots.LEAD;
        if (batch == 1) {
            float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, 3 * subs);
            KMinSums.subBlockSums(x, 0, cols, side, 2 * subs);
            float[] aligned = FloatDots.alignedRows(x, 1, cols)[0];
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, aligned, lead, cols, out, rowStart, rowEnd, side);
            return;
        }
        if (batch == 2 && rowsDotPairKernel != null) {
            float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, 4 * subs);
            KMinSums.subBlockSums(x, 0, cols, side, 2 * subs);
            KMinSums.subBlockSums(x, cols, cols, side, 3 * subs);
            float[][] xRows = FloatDots.alignedRows(x, 2, cols);
            KernelBarrier.rowsDotPair(rowsDotPairKernel, weights, offset, rowBytes, xRows[0], xRows[1], lead, cols,
                    out, 0, outStride, rowStart, rowEnd, side);
            return;
        }
        // each activation row extended by its x sums
        int n = cols + subs;
        float[][] xExtended = Scratch.rows(batch, lead + n);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x, b * cols, xExtended[b], lead, cols);
            KMinSums.subBlockSums(x, b * cols, cols, xExtended[b], lead + cols);
        }
        float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, 2 * subs);
        byte[] levels = Scratch.bytes(cols);
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            // unpacked here, not in decodeScaled: inlined there, it pushed that kernel past C2's node budget and its
            // conversions ran out of line (pp32 of a 0.6B Q5_K_M file 27 instead of 64 t/s)
            unpack(weights, row, cols, levels, 0, side, 0, subs);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, side);
        }, n, xExtended, n, batch, out, outStride, rowStart, rowEnd);
    }

    /**
     * The {@link KernelBarrier#ROWS_DOT_WITH_SIDE} kernel without {@link Species#WIDE}: each row of {@code [rowStart,
     * rowEnd)} unpacked, then its dot in {@link FloatDots}' order, 8 lanes.
     *
     * @param side the row's factors go to {@code [0, 2 subs)} (scales, then mins); x's sub-block sums are at {@code 2 subs}
     */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd, float[] side) {
        int subs = count / 32;
        byte[] levels = Scratch.bytes(count);
        for (int r = rowStart; r < rowEnd; r++) {
            unpack(weights, offset + r * rowBytes, count, levels, 0, side, 0, subs);
            var acc0 = FloatVector.zero(F);
            var acc1 = FloatVector.zero(F);
            for (int i = 0; i < count; i += 16) {
                float scale = side[i >> 5];
                acc0 = levels8(levels, i).mul(scale).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = levels8(levels, i + 8).mul(scale).fma(FloatVector.fromArray(F, x, xOffset + i + 8), acc1);
            }
            for (int i = 0; i + 16 <= subs; i += 16) {
                acc0 = FloatVector.fromArray(F, side, subs + i).fma(FloatVector.fromArray(F, side, 2 * subs + i), acc0);
                acc1 = FloatVector.fromArray(F, side, subs + i + 8).fma(FloatVector.fromArray(F, side, 2 * subs + i + 8), acc1);
            }
            out[r] = KMinSums.tail(FloatDots.sum(acc0, acc1), side, subs, side, 2 * subs, subs);
        }
    }

    /**
     * {@link #rowsDot} with 16-lane vectors, the {@link KernelBarrier#ROWS_DOT_WITH_SIDE} kernel with {@link Species#WIDE}:
     * neighbouring rows two at a time, one accumulator each (the same bits: a 16-lane accumulator over 16 consecutive
     * weights is FloatDots' two 8-lane chains side by side; two rows, as one row's chain of FMA latencies would set the
     * pace).
     *
     * @param side as for {@link #rowsDot}
     */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd, float[] side) {
        int subs = count / 32;
        byte[] levels = Scratch.bytes(2 * count);
        float[] partner = Scratch.floats(Scratch.Slot.SECOND_ROW_SIDE, 2 * subs);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r += 2) {
            // an odd last row is paired with itself
            int second = Math.min(r + 1, rowEnd - 1);
            unpack(weights, offset + r * rowBytes, count, levels, 0, side, 0, subs);
            unpack(weights, offset + second * rowBytes, count, levels, count, partner, 0, subs);
            var a = FloatVector.zero(WIDE);
            var b = FloatVector.zero(WIDE);
            for (int i = 0; i < count; i += 16) {
                var xs = FloatVector.fromArray(WIDE, x, xOffset + i);
                a = levels16(levels, i).mul(side[i >> 5]).fma(xs, a);
                b = levels16(levels, count + i).mul(partner[i >> 5]).fma(xs, b);
            }
            a = KMinSums.wide(a, side, subs, side, 2 * subs, subs);
            b = KMinSums.wide(b, partner, subs, side, 2 * subs, subs);
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            // r first: a one-row call's out is the SUMS buffer too (KernelBarrier.rowDot), and lanes[0] is its out[0]
            out[r] = KMinSums.tail(Lanes.sumOfTwo(lanes, 0), side, subs, side, 2 * subs, subs);
            out[second] = KMinSums.tail(Lanes.sumOfTwo(lanes, 16), partner, subs, side, 2 * subs, subs);
        }
    }

    /**
     * {@link #rowsDot} for two activation rows at once, {@code x} into {@code out[outAt + r]} and {@code y} into
     * {@code out[outAt + outStride + r]}: the {@link KernelBarrier#ROWS_DOT_PAIR_WITH_SIDE} kernel with
     * {@link Species#WIDE}. A row is unpacked once and each 16 weights widened and scaled once for both, each activation
     * row summed as {@link #rowsDot} sums one, so the same bits.
     *
     * @param side the row's factors go to {@code [0, 2 subs)}; x's sub-block sums are at {@code 2 subs}, y's at {@code 3 subs}
     */
    private static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset,
                                        int count, float[] out, int outAt, int outStride, int rowStart, int rowEnd, float[] side) {
        int subs = count / 32;
        byte[] levels = Scratch.bytes(count);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            unpack(weights, offset + r * rowBytes, count, levels, 0, side, 0, subs);
            var a = FloatVector.zero(WIDE);
            var b = FloatVector.zero(WIDE);
            for (int i = 0; i < count; i += 16) {
                var w = levels16(levels, i).mul(side[i >> 5]);
                a = w.fma(FloatVector.fromArray(WIDE, x, xOffset + i), a);
                b = w.fma(FloatVector.fromArray(WIDE, y, xOffset + i), b);
            }
            a = KMinSums.wide(a, side, subs, side, 2 * subs, subs);
            b = KMinSums.wide(b, side, subs, side, 3 * subs, subs);
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            out[outAt + r] = KMinSums.tail(Lanes.sumOfTwo(lanes, 0), side, subs, side, 2 * subs, subs);
            out[outAt + outStride + r] = KMinSums.tail(Lanes.sumOfTwo(lanes, 16), side, subs, side, 3 * subs, subs);
        }
    }

    /** Eight unpacked levels from {@code at} as floats (exact). */
    private static FloatVector levels8(byte[] levels, int at) {
        return (FloatVector) ByteVector.fromArray(BYTES_8, levels, at).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Sixteen unpacked levels from {@code at} as floats (exact). */
    private static FloatVector levels16(byte[] levels, int at) {
        return (FloatVector) ByteVector.fromArray(ByteVector.SPECIES_128, levels, at).convertShape(VectorOperators.B2F, WIDE, 0);
    }

    /**
     * A row unpacked for the kernels: its 5-bit levels as bytes in element order into {@code levels} from {@code at}, and its factors
     * ({@link KQuants#unpackK4Factors}) {@code d * scale_j} at {@code factors[scalesAt + j]} and {@code -(dmin * min_j)}
     * at {@code factors[minsAt + j]}. Per block, {@code qh} is read once as 8 int lanes and per 64-weight chunk its 32
     * nibble bytes: the bytes of their low nibbles, each with its fifth bit, are weights 0-31 of the chunk in order,
     * those of the high nibbles weights 32-63.
     */
    private static void unpack(MemorySegment w, long offset, int count, byte[] levels, int at, float[] factors, int scalesAt,
                               int minsAt) {
        w = NativeSegments.TYPE.cast(w);
        int out = at;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            var highBits = IntVector.fromMemorySegment(I, w, block + 16, ByteOrder.LITTLE_ENDIAN);
            for (int chunk = 0; chunk < 4; chunk++) {
                // shifted by a counter rather than carried: see VectorBlockFormat's "Vectors not carried by loops"
                var high = highBits.lanewise(VectorOperators.LSHR, 2 * chunk);
                var nibbles = IntVector.fromMemorySegment(I, w, block + 48 + 32 * chunk, ByteOrder.LITTLE_ENDIAN);
                nibbles.and(0x0F0F0F0F).or(high.and(0x01010101).lanewise(VectorOperators.LSHL, 4))
                        .reinterpretAsBytes().intoArray(levels, out);
                nibbles.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(high.and(0x02020202).lanewise(VectorOperators.LSHL, 3))
                        .reinterpretAsBytes().intoArray(levels, out + 32);
                out += 64;
            }
        }
        KQuants.unpackK4Factors(w, offset, count, BLOCK_BYTES, false, factors, scalesAt, minsAt);
    }

    /**
     * One row as {@link #rowsDot} multiplies it, for the batched matmul: {@code d scale_j q} in element order, then
     * {@code -(dmin min_j)} per sub-block; {@code count + count / 32} floats into {@code scaled} from index {@code from}.
     * The caller has {@link #unpack}ed the row: its levels into this thread's {@link Scratch#bytes} buffer, its factors
     * into {@code side}.
     */
    private static void decodeScaled(MemorySegment weights, long offset, int count, float[] scaled, int from, float[] side) {
        int subs = count / 32;
        byte[] levels = Scratch.bytes(count);
        for (int i = 0; i < count; i += 16) {
            float scale = side[i >> 5];
            levels8(levels, i).mul(scale).intoArray(scaled, from + i);
            levels8(levels, i + 8).mul(scale).intoArray(scaled, from + i + 8);
        }
        System.arraycopy(side, subs, scaled, from + count, subs);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q5_K_ref}; see {@link KMinQuantizer}. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        KMinQuantizer.quantize(KMinQuantizer.Q5_K, src, srcOffset, count, dst, dstOffset);
    }
}
