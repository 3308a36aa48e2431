package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: 256 weights in 210 bytes, {@code w = d * scale_j * (q - 32)} with 6-bit {@code q} and sixteen
 * signed 8-bit scales (one per 16 weights).
 *
 * <p>Block ({@code block_q6_K}): 128 bytes {@code ql} (low nibbles), 64 bytes {@code qh} (2 high bits
 * each), 16 scales, {@code d} (fp16). Per 128-weight half, with {@code l} in 0..31: {@code ql[l]} holds
 * weights {@code l} (low nibble) and {@code l+64} (high), {@code ql[l+32]} weights {@code l+32} and
 * {@code l+96}; {@code qh[l]} bits 0-1, 2-3, 4-5, 6-7 are the high bits of {@code l, l+32, l+64, l+96}.
 */
final class Q6_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 210;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Integer> I = Species.INTS;
    private static final VectorSpecies<Byte> BYTES_8 = ByteVector.SPECIES_64;
    /** Quarter {@code k} of a half takes its sub-blocks {@code 2k} and {@code 2k + 1}, four lanes each. */
    private static final VectorShuffle<Float> QUARTER_0 = VectorShuffle.fromValues(F, 0, 0, 0, 0, 1, 1, 1, 1);
    private static final VectorShuffle<Float> QUARTER_1 = VectorShuffle.fromValues(F, 2, 2, 2, 2, 3, 3, 3, 3);
    private static final VectorShuffle<Float> QUARTER_2 = VectorShuffle.fromValues(F, 4, 4, 4, 4, 5, 5, 5, 5);
    private static final VectorShuffle<Float> QUARTER_3 = VectorShuffle.fromValues(F, 6, 6, 6, 6, 7, 7, 7, 7);
    /** {@link #rowsDot}, {@link #repack} and {@link #decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowsDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q6_KFormat.class, "rowsDot", KernelBarrier.ROWS_DOT_WITH_SIDE);
    private final MethodHandle repackKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q6_KFormat.class, "repack", KernelBarrier.ROW_DECODE);
    private final MethodHandle decodeScaledKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q6_KFormat.class, "decodeScaled", KernelBarrier.SCALED_DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q6_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block + 208);
            for (int half = 0; half < 2; half++) {
                long ql = block + 64 * half;
                long qh = block + 128 + 32 * half;
                long sc = block + 192 + 8 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = KQuants.u8(src, qh + l);
                    int q1 = ((KQuants.u8(src, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((KQuants.u8(src, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((KQuants.u8(src, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((KQuants.u8(src, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    dst[out + l] = d * scale(src, sc + is) * q1;
                    dst[out + l + 32] = d * scale(src, sc + is + 2) * q2;
                    dst[out + l + 64] = d * scale(src, sc + is + 4) * q3;
                    dst[out + l + 96] = d * scale(src, sc + is + 6) * q4;
                }
                out += 128;
            }
        }
    }

    private static int scale(MemorySegment src, long at) {
        return src.get(ValueLayout.JAVA_BYTE, at);
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block + 208);
            for (int step = 0; step < 16; step++) {
                int half = step >> 3;
                int k = (step >> 1) & 3;
                int l = 16 * (step & 1);
                long ql = block + 64 * half + 32 * (k & 1) + l;
                long qh = block + 128 + 32 * half + l;
                float scale = d * scale(src, block + 192 + 8 * half + 2 * k + (step & 1));
                int at = out + 128 * half + 32 * k + l;
                toFloats(level6x8(src, ql, qh, 4 * (k >> 1), 2 * k)).mul(scale).intoArray(dst, at);
                toFloats(level6x8(src, ql + 8, qh + 8, 4 * (k >> 1), 2 * k)).mul(scale).intoArray(dst, at + 8);
            }
            out += QK_K;
        }
    }

    /**
     * Fused dot over the row in {@link #rowDot}'s order: x is permuted to it first ({@link #permute}),
     * and the row's levels and scales are unpacked into a side array before the vector loop ({@link #rowsDot}),
     * which keeps that loop within C2's node budget. The engine calls {@link #matmul}, which permutes x once
     * for all rows.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        float[] permuted = new float[count];
        permute(x, xOffset, permuted, 0, count);
        return KernelBarrier.rowDot(rowsDotKernel, weights, offset, permuted, 0, count, new float[count / 2]);
    }

    /**
     * x is permuted once per call ({@link #permute}). For a single activation row, {@link #rowsDot} unpacks and
     * multiplies the rows in one kernel call; for more, each row is decoded once in that order ({@link #decodeScaled}) and
     * multiplied, two rows at a time, by pairs of activation rows per pass ({@link FloatDots#decodedRowsTimesBatch}): the operations of
     * {@link #rowDot}, so every result equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, cols / 2);
        int lead = FloatDots.LEAD;
        float[][] permuted = Scratch.rows(batch, lead + cols);
        for (int b = 0; b < batch; b++) {
            permute(x, b * cols, permuted[b], lead, cols);
        }
        if (batch == 1) {
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, permuted[0], lead, cols, out, rowStart, rowEnd, side);
            return;
        }
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            unpackRow(weights, row, cols, side);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, side);
        }, cols, permuted, cols, batch, out, outStride, rowStart, rowEnd);
    }

    /** Each row of {@code [rowStart, rowEnd)} unpacked into {@code side} and multiplied by {@link #rowDot}. */
    private static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                                float[] out, int rowStart, int rowEnd, float[] side) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            repack(weights, row, count, side, side);
            out[r] = rowDot(weights, row, x, xOffset, count, side);
        }
    }

    /** A row's side array for {@link #rowDot} ({@link #repack}), through its kernel barrier. */
    private void unpackRow(MemorySegment weights, long offset, int count, float[] side) {
        KernelBarrier.decodeRow(repackKernel, weights, offset, count, side, side);
    }

    /**
     * {@code x} in {@link #rowDot}'s order: within each 128 elements, element {@code 32 k + 4 j + b}
     * (quarter {@code k}, int lane {@code j}, byte {@code b} of the lane) moves to {@code 32 b + 8 k + j}.
     */
    static void permute(float[] x, int xOffset, float[] dst, int dstOffset, int count) {
        for (int half = 0; half < count; half += 128) {
            int to = dstOffset + half;
            for (int b = 0; b < 4; b++) {
                for (int k = 0; k < 4; k++) {
                    int from = xOffset + half + 32 * k + b;
                    for (int j = 0; j < 8; j++) {
                        dst[to++] = x[from + 4 * j];
                    }
                }
            }
        }
    }

    /**
     * The scales of 128-weight half {@code half} of the block at {@code block} as {@link #rowDot} multiplies
     * them, into {@code scales} from {@code at}: per quarter {@code k}, 8 lanes, {@code d * scale_(2k)} in lanes
     * 0-3 and {@code d * scale_(2k+1)} in 4-7 (the half's sub-blocks). The half's 8 scales are widened and
     * multiplied as one vector and spread by a lane shuffle per quarter: written scale by scale, this took
     * longer than the row's dot (~170 of ~340 ns per 1024-weight row, measured).
     */
    private static void unpackScales(MemorySegment w, long block, int half, float[] scales, int at) {
        w = NativeSegments.TYPE.cast(w);
        var scaled = ((FloatVector) ByteVector.fromMemorySegment(BYTES_8, w, block + 192 + 8 * half, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0)).mul(KQuants.half(w, block + 208));
        scaled.rearrange(QUARTER_0).intoArray(scales, at);
        scaled.rearrange(QUARTER_1).intoArray(scales, at + 8);
        scaled.rearrange(QUARTER_2).intoArray(scales, at + 16);
        scaled.rearrange(QUARTER_3).intoArray(scales, at + 24);
    }

    /**
     * The 6-bit field that {@code left} moves to the top of each lane, read as a signed number: with its
     * top bit flipped ({@code q ^ 32}) that is {@code q - 32}. Each byte holds one field in its low 6
     * bits, so the lower bytes' fields fall off the right end.
     */
    private static IntVector signed(IntVector levels, int left) {
        return levels.lanewise(VectorOperators.LSHL, left).lanewise(VectorOperators.ASHR, 26);
    }

    /**
     * The dot of one row in its own order ({@link #permute}). Per 128-weight half, the four quarters'
     * repacked levels ({@link #repack}) and scales are loaded once; for byte {@code b} of the int lanes,
     * two shifts give weights {@code 32 k + 4 j + b} ({@code j} = lane) as {@code q - 32}. Lanes 0-3 of
     * a quarter are its first sub-block, 4-7 its second. Each weight is {@code (q - 32) * scale}, as the
     * reference dequantization rounds it, then one FMA into accumulator 0 (quarters 0, 2) or 1 (1, 3).
     *
     * @param x the activations permuted by {@link #permute}
     * @param side the row's levels and scales ({@link #unpackRow})
     */
    private static float rowDot(MemorySegment w, long offset, float[] x, int xOffset, int count, float[] side) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int xs = xOffset;
        for (int at = 0, scales = count / 4; at < scales; at += 32) {
            var q0 = FloatVector.fromArray(F, side, at).reinterpretAsInts();
            var q1 = FloatVector.fromArray(F, side, at + 8).reinterpretAsInts();
            var q2 = FloatVector.fromArray(F, side, at + 16).reinterpretAsInts();
            var q3 = FloatVector.fromArray(F, side, at + 24).reinterpretAsInts();
            var s0 = FloatVector.fromArray(F, side, scales + at);
            var s1 = FloatVector.fromArray(F, side, scales + at + 8);
            var s2 = FloatVector.fromArray(F, side, scales + at + 16);
            var s3 = FloatVector.fromArray(F, side, scales + at + 24);
            for (int shift = 0; shift < 32; shift += 8) {
                acc0 = toFloats(signed(q0, 26 - shift)).mul(s0).fma(FloatVector.fromArray(F, x, xs), acc0);
                acc1 = toFloats(signed(q1, 26 - shift)).mul(s1).fma(FloatVector.fromArray(F, x, xs + 8), acc1);
                acc0 = toFloats(signed(q2, 26 - shift)).mul(s2).fma(FloatVector.fromArray(F, x, xs + 16), acc0);
                acc1 = toFloats(signed(q3, 26 - shift)).mul(s3).fma(FloatVector.fromArray(F, x, xs + 24), acc1);
                xs += 32;
            }
        }
        return FloatDots.sum(acc0, acc1);
    }

    /** One row as {@link #rowDot} multiplies it, in its order, for the batched matmul, into {@code scaled} from {@code from}. */
    private static void decodeScaled(MemorySegment w, long offset, int count, float[] scaled, int from, float[] side) {
        int out = from;
        for (int at = 0, scales = count / 4; at < scales; at += 32) {
            var q0 = FloatVector.fromArray(F, side, at).reinterpretAsInts();
            var q1 = FloatVector.fromArray(F, side, at + 8).reinterpretAsInts();
            var q2 = FloatVector.fromArray(F, side, at + 16).reinterpretAsInts();
            var q3 = FloatVector.fromArray(F, side, at + 24).reinterpretAsInts();
            var s0 = FloatVector.fromArray(F, side, scales + at);
            var s1 = FloatVector.fromArray(F, side, scales + at + 8);
            var s2 = FloatVector.fromArray(F, side, scales + at + 16);
            var s3 = FloatVector.fromArray(F, side, scales + at + 24);
            for (int shift = 0; shift < 32; shift += 8) {
                toFloats(signed(q0, 26 - shift)).mul(s0).intoArray(scaled, out);
                toFloats(signed(q1, 26 - shift)).mul(s1).intoArray(scaled, out + 8);
                toFloats(signed(q2, 26 - shift)).mul(s2).intoArray(scaled, out + 16);
                toFloats(signed(q3, 26 - shift)).mul(s3).intoArray(scaled, out + 24);
                out += 32;
            }
        }
    }

    /**
     * A row's side array for {@link #rowDot}, both parts in one pass over its 128-weight halves: the levels
     * regrouped, into {@code side[0 .. count / 4)} as int bits, then the scales ({@link #unpackScales}) from
     * {@code count / 4}. Per half, {@code ql[0..31]}, {@code ql[32..63]} and {@code qh[0..31]} are read once
     * each as 8 int lanes, and quarter {@code k}'s vector gets in byte {@code b} of lane {@code j} the 6 bits
     * of weight {@code 32 k + 4 j + b}, top bit flipped ({@code q ^ 32}, so {@link #signed} reads
     * {@code q - 32}). A kernel of its own: with these loads inlined, {@link #rowDot} passed C2's node
     * budget and its vectors were boxed (Q6_K dot 1.4 GFLOP/s). One pass instead of a pass for the levels
     * and another for the scales: {@code bench matmul --types q6_k --batch 1 -t 1}, 12.0 -> 13.4 GFLOP/s.
     */
    private static void repack(MemorySegment w, long offset, int count, float[] side, float[] unused) {
        w = NativeSegments.TYPE.cast(w);
        for (int half = 0, halves = count / 128; half < halves; half++) {
            long block = offset + (long) (half >> 1) * BLOCK_BYTES;
            long ql = block + 64 * (half & 1);
            long qh = block + 128 + 32 * (half & 1);
            var low = IntVector.fromMemorySegment(I, w, ql, ByteOrder.LITTLE_ENDIAN);
            var high = IntVector.fromMemorySegment(I, w, ql + 32, ByteOrder.LITTLE_ENDIAN);
            var bits = IntVector.fromMemorySegment(I, w, qh, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.XOR, 0xAAAAAAAA);
            low.and(0x0F0F0F0F).or(bits.and(0x03030303).lanewise(VectorOperators.LSHL, 4))
                    .reinterpretAsFloats().intoArray(side, 32 * half);
            high.and(0x0F0F0F0F).or(bits.and(0x0C0C0C0C).lanewise(VectorOperators.LSHL, 2))
                    .reinterpretAsFloats().intoArray(side, 32 * half + 8);
            low.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(bits.and(0x30303030))
                    .reinterpretAsFloats().intoArray(side, 32 * half + 16);
            high.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(bits.and(0xC0C0C0C0).lanewise(VectorOperators.LSHR, 2))
                    .reinterpretAsFloats().intoArray(side, 32 * half + 24);
            unpackScales(w, block, half & 1, side, count / 4 + 32 * half);
        }
    }

    /**
     * Eight signed levels {@code (ql >> nibble & 15 | (qh >> highShift & 3) << 4) - 32} in int lanes,
     * converted straight to floats by the callers: 16-bit lanes halve the bit operations, but converting
     * the upper half of a 16-lane short vector needs an extra shuffle, and the dot was slower
     * (Q6_K dot 4.5 -> 5.3 GFLOP/s with int lanes).
     */
    private static IntVector level6x8(MemorySegment w, long ql, long qh, int nibble, int highShift) {
        return widen(w, ql).lanewise(VectorOperators.ASHR, nibble).and(0xF)
                .or(widen(w, qh).lanewise(VectorOperators.ASHR, highShift).and(3).lanewise(VectorOperators.LSHL, 4))
                .sub(32);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's {@code quantize_row_q6_K_ref}: 1. a signed scale per 16 weights by {@code make_qx_quants};
     * 2. those to int8 against the largest (its value as {@code d}); 3. requantize every weight with the
     * stored scales (a sub-block whose scale rounds to 0 keeps its first levels).
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        byte[] levels = new byte[QK_K];
        float[] scales = new float[QK_K / 16];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += QK_K, block += BLOCK_BYTES) {
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < QK_K / 16; ib++) {
                scales[ib] = KQuants.makeQxQuants(16, 32, x, xb + 16 * ib, levels, 16 * ib);
                float abs = Math.abs(scales[ib]);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scales[ib];
                }
            }
            if (maxAbsScale < KQuants.GROUP_MAX_EPS) {
                dst.asSlice(block, BLOCK_BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            KQuants.putHalf(dst, block + 208, 1 / iscale);
            for (int ib = 0; ib < QK_K / 16; ib++) {
                byte sc = (byte) Math.min(127, KQuants.nearestInt(iscale * scales[ib]));
                dst.set(ValueLayout.JAVA_BYTE, block + 192 + ib, sc);
            }
            float d = KQuants.half(dst, block + 208);
            for (int j = 0; j < QK_K / 16; j++) {
                float dj = d * scale(dst, block + 192 + j);
                if (dj == 0) {
                    continue;
                }
                for (int ii = 0; ii < 16; ii++) {
                    int l = KQuants.nearestInt(x[xb + 16 * j + ii] / dj);
                    levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            for (int half = 0; half < 2; half++) {
                int j = 128 * half;
                long ql = block + 64 * half;
                long qh = block + 128 + 32 * half;
                for (int l = 0; l < 32; l++) {
                    int q1 = levels[j + l];
                    int q2 = levels[j + l + 32];
                    int q3 = levels[j + l + 64];
                    int q4 = levels[j + l + 96];
                    dst.set(ValueLayout.JAVA_BYTE, ql + l, (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4)));
                    dst.set(ValueLayout.JAVA_BYTE, ql + l + 32, (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4)));
                    dst.set(ValueLayout.JAVA_BYTE, qh + l, (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
                }
            }
        }
    }
}
