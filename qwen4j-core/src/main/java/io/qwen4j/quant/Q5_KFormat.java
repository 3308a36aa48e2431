package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
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
    private static final VectorSpecies<Integer> I = Species.INTS;
    /** {@link #rowsDot}, {@link #repack} and {@link #decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowsDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q5_KFormat.class, "rowsDot", KernelBarrier.ROWS_DOT_WITH_SIDE);
    private final MethodHandle repackKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q5_KFormat.class, "repack", KernelBarrier.ROW_DECODE);
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
     * Fused dot with the mins factored out as in {@link Q4_KFormat#dot}: per 32-weight sub-block
     * {@code j}, {@code sum(w x) = sum(d scale_j q x) - dmin min_j * sum(x)}. The row's 5-bit levels are
     * first regrouped into bytes ({@link #repack}), so the kernel's loop only shifts, masks, converts,
     * scales and FMAs; x is read in the matching order ({@link #permute}). The engine calls
     * {@link #matmul}, which permutes x and sums its sub-blocks once for all rows.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        float[] permuted = new float[count];
        permute(x, xOffset, permuted, 0, count);
        float[] side = new float[count / 4 + 3 * (count / 32)];
        Q4_KFormat.subBlockSums(x, xOffset, count, side, count / 4 + 2 * (count / 32));
        return KernelBarrier.rowDot(rowsDotKernel, weights, offset, permuted, 0, count, side);
    }

    /**
     * x is permuted ({@link #permute}) and summed per sub-block once per call. For a single activation row,
     * {@link #rowsDot} over the range of rows; for more, each row is decoded once in that order and extended by
     * its mins ({@link #decodeScaled}), and multiplied, two rows at a time, by pairs of activation rows, each permuted and extended
     * by its x sums, per pass ({@link FloatDots#decodedRowsTimesBatch}): the operations of {@link #rowDot}, so every result
     * equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        int subs = cols / 32;
        int levels = cols / 4;
        float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, levels + 3 * subs);
        // each activation row permuted and extended by its x sums, as rowDot reads it
        int n = cols + subs;
        int lead = FloatDots.LEAD;
        float[][] xExtended = Scratch.rows(batch, lead + n);
        for (int b = 0; b < batch; b++) {
            permute(x, b * cols, xExtended[b], lead, cols);
            Q4_KFormat.subBlockSums(x, b * cols, cols, xExtended[b], lead + cols);
        }
        if (batch == 1) {
            System.arraycopy(xExtended[0], lead + cols, side, levels + 2 * subs, subs);
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, xExtended[0], lead, cols, out, rowStart, rowEnd, side);
            return;
        }
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            unpackRow(weights, row, cols, side);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, side);
        }, n, xExtended, n, batch, out, outStride, rowStart, rowEnd);
    }

    /** Each row of {@code [rowStart, rowEnd)}: its side array unpacked (x's sums stay), then {@link #rowDot}. */
    private static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                                float[] out, int rowStart, int rowEnd, float[] side) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            repack(weights, row, count, side, side);
            unpackFactors(weights, row, count, side, count / 4, count / 4 + count / 32);
            out[r] = rowDot(weights, row, x, xOffset, count, side);
        }
    }

    /**
     * A row's side array: its levels ({@link #repack}) in {@code [0, count / 4)}, then per sub-block
     * {@code d * scale_j} and {@code -(dmin * min_j)}; x's sub-block sums follow, put there by the caller.
     */
    private void unpackRow(MemorySegment weights, long offset, int count, float[] side) {
        KernelBarrier.decodeRow(repackKernel, weights, offset, count, side, side);
        unpackFactors(weights, offset, count, side, count / 4, count / 4 + count / 32);
    }

    /**
     * {@code x} in {@link #rowDot}'s order: within each 32 elements, element {@code 4 j + b} (int lane
     * {@code j}, byte {@code b} of the lane) moves to {@code 8 b + j}.
     */
    static void permute(float[] x, int xOffset, float[] dst, int dstOffset, int count) {
        for (int k = 0; k < count; k += 32) {
            int from = xOffset + k;
            int to = dstOffset + k;
            for (int b = 0; b < 4; b++) {
                for (int j = 0; j < 8; j++) {
                    dst[to + 8 * b + j] = x[from + 4 * j + b];
                }
            }
        }
    }

    /**
     * A row's factors ({@link KQuants#unpackK4Factors}): {@code d * scale_j} per sub-block at
     * {@code factors[scalesAt + j]}, {@code -(dmin * min_j)} at {@code factors[minsAt + j]}.
     */
    static void unpackFactors(MemorySegment w, long offset, int count, float[] factors, int scalesAt, int minsAt) {
        KQuants.unpackK4Factors(w, offset, count, BLOCK_BYTES, false, factors, scalesAt, minsAt);
    }

    /**
     * A row's 5-bit levels regrouped into bytes, into {@code side[0 .. count / 4)} as int bits: per block,
     * {@code qh} is read once as 8 int lanes, and per 64-weight chunk its 32 nibble bytes; sub-block
     * {@code j}'s 8 ints get in byte {@code b} of lane {@code l} the level of its weight {@code 4 l + b}.
     * A kernel of its own, as {@link Q6_KFormat}'s repack, so {@link #rowDot} stays within C2's node budget.
     */
    private static void repack(MemorySegment w, long offset, int count, float[] side, float[] unused) {
        w = NativeSegments.TYPE.cast(w);
        int out = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            var highBits = IntVector.fromMemorySegment(I, w, block + 16, ByteOrder.LITTLE_ENDIAN);
            for (int chunk = 0; chunk < 4; chunk++) {
                // shifted by a counter rather than carried: see VectorBlockFormat's "Vectors not carried by loops"
                var high = highBits.lanewise(VectorOperators.LSHR, 2 * chunk);
                var nibbles = IntVector.fromMemorySegment(I, w, block + 48 + 32 * chunk, ByteOrder.LITTLE_ENDIAN);
                nibbles.and(0x0F0F0F0F).or(high.and(0x01010101).lanewise(VectorOperators.LSHL, 4))
                        .reinterpretAsFloats().intoArray(side, out);
                nibbles.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(high.and(0x02020202).lanewise(VectorOperators.LSHL, 3))
                        .reinterpretAsFloats().intoArray(side, out + 8);
                out += 16;
            }
        }
    }

    /**
     * The dot of one row in its own order ({@link #permute}), {@link FloatDots}' order over that row
     * extended by its mins: per sub-block, the 8 repacked ints ({@link #repack}) give, byte by byte,
     * 4 vectors of levels, each times {@code d scale_j} and FMAed into accumulator 0, 1, 0, 1; then the
     * mins {@code -(dmin min_j)} times x's sub-block sums.
     *
     * @param x the activations permuted by {@link #permute}
     * @param side the row's levels, scales and mins ({@link #unpackRow}), then x's sub-block sums
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count, float[] side) {
        int subs = count / 32;
        int scales = count / 4;
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int xs = xOffset;
        for (int at = 0, j = scales; at < scales; at += 8, j++) {
            var q = FloatVector.fromArray(F, side, at).reinterpretAsInts();
            var scale = FloatVector.broadcast(F, side[j]);
            acc0 = toFloats(q.and(0xFF)).mul(scale).fma(FloatVector.fromArray(F, x, xs), acc0);
            acc1 = toFloats(q.lanewise(VectorOperators.LSHR, 8).and(0xFF)).mul(scale).fma(FloatVector.fromArray(F, x, xs + 8), acc1);
            acc0 = toFloats(q.lanewise(VectorOperators.LSHR, 16).and(0xFF)).mul(scale).fma(FloatVector.fromArray(F, x, xs + 16), acc0);
            acc1 = toFloats(q.lanewise(VectorOperators.LSHR, 24)).mul(scale).fma(FloatVector.fromArray(F, x, xs + 24), acc1);
            xs += 32;
        }
        // the mins times the x sums, continuing FloatDots.dot's order (its scalar tail included)
        int mins = scales + subs;
        int sums = mins + subs;
        int i = 0;
        for (; i + 16 <= subs; i += 16) {
            acc0 = FloatVector.fromArray(F, side, mins + i).fma(FloatVector.fromArray(F, side, sums + i), acc0);
            acc1 = FloatVector.fromArray(F, side, mins + i + 8).fma(FloatVector.fromArray(F, side, sums + i + 8), acc1);
        }
        float sum = FloatDots.sum(acc0, acc1);
        for (; i < subs; i++) {
            sum += side[mins + i] * side[sums + i];
        }
        return sum;
    }

    /**
     * One row as {@link #rowDot} multiplies it, for the batched matmul: {@code d scale_j q} in its
     * permuted order, then {@code -(dmin min_j)} per sub-block, from the row's side array
     * ({@link #unpackRow}); {@code count + count / 32} floats into {@code scaled} from index {@code from}.
     */
    private static void decodeScaled(MemorySegment weights, long offset, int count, float[] scaled, int from, float[] side) {
        int subs = count / 32;
        int scales = count / 4;
        int out = from;
        for (int at = 0, j = scales; at < scales; at += 8, j++) {
            var q = FloatVector.fromArray(F, side, at).reinterpretAsInts();
            var scale = FloatVector.broadcast(F, side[j]);
            toFloats(q.and(0xFF)).mul(scale).intoArray(scaled, out);
            toFloats(q.lanewise(VectorOperators.LSHR, 8).and(0xFF)).mul(scale).intoArray(scaled, out + 8);
            toFloats(q.lanewise(VectorOperators.LSHR, 16).and(0xFF)).mul(scale).intoArray(scaled, out + 16);
            toFloats(q.lanewise(VectorOperators.LSHR, 24)).mul(scale).intoArray(scaled, out + 24);
            out += 32;
        }
        System.arraycopy(side, scales + subs, scaled, from + count, subs);
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
