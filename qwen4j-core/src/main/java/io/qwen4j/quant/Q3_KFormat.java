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
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q3_K: 256 weights in 110 bytes, {@code w = d * (scale_j - 32) * (q - 4)} with 3-bit {@code q} and a
 * 6-bit scale per 16 weights.
 *
 * <p>Block ({@code block_q3_K}): 32 bytes {@code hmask} (third bits), 64 bytes {@code qs} (low two
 * bits), 12 bytes of scales, {@code d} (fp16). Weight {@code 128n + 32j + l} has its low bits at bits
 * {@code 2j} of {@code qs[32n + l]} and its third bit at bit {@code 4n + j} of {@code hmask[l]}; a clear
 * third bit means "minus 4". Scale {@code s} (0..15): low 4 bits from byte {@code s} (s < 8) or the high
 * nibble of byte {@code s - 8}; high 2 bits from bits {@code 2(s/4)} of byte {@code 8 + s%4}.
 */
final class Q3_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 110;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Integer> I = Species.INTS;
    /** Lanes 0..3 take the first of two sub-block scales, lanes 4..7 the second. */
    private static final VectorShuffle<Float> PAIR = VectorShuffle.fromValues(F, 0, 0, 0, 0, 1, 1, 1, 1);
    /** {@link #rowDot}, {@link #repack} and {@link #decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q3_KFormat.class, "rowDot", KernelBarrier.DOT_WITH_SIDE);
    private final MethodHandle repackKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q3_KFormat.class, "repack", KernelBarrier.ROW_DECODE);
    private final MethodHandle decodeScaledKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q3_KFormat.class, "decodeScaled", KernelBarrier.SCALED_DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q3_K;
    }

    /** Scale {@code s} of the block at {@code block}, already minus 32. */
    static int scale(MemorySegment src, long block, int s) {
        long scales = block + 96;
        int low = s < 8 ? KQuants.u8(src, scales + s) & 0xF : KQuants.u8(src, scales + s - 8) >>> 4;
        int high = (KQuants.u8(src, scales + 8 + s % 4) >>> (2 * (s / 4))) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float dAll = KQuants.half(src, block + 108);
            int s = 0;
            for (int half = 0; half < 2; half++) {
                long q = block + 32 + 32 * half;
                for (int j = 0; j < 4; j++) {
                    int bit = 4 * half + j;
                    for (int part = 0; part < 2; part++) {
                        float dl = dAll * scale(src, block, s++);
                        for (int l = 16 * part; l < 16 * part + 16; l++) {
                            int low = (KQuants.u8(src, q + l) >>> (2 * j)) & 3;
                            int minus = ((KQuants.u8(src, block + l) >>> bit) & 1) != 0 ? 0 : 4;
                            dst[out++] = dl * (low - minus);
                        }
                    }
                }
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float dAll = KQuants.half(src, block + 108);
            int s = 0;
            for (int half = 0; half < 2; half++) {
                long q = block + 32 + 32 * half;
                for (int j = 0; j < 4; j++) {
                    int bit = 4 * half + j;
                    for (int part = 0; part < 2; part++) {
                        float dl = dAll * scale(src, block, s++);
                        for (int l = 16 * part; l < 16 * part + 16; l += 8) {
                            var low = widen(src, q + l).lanewise(VectorOperators.ASHR, 2 * j).and(3);
                            var third = widen(src, block + l).lanewise(VectorOperators.ASHR, bit).and(1);
                            var level = low.add(third.lanewise(VectorOperators.LSHL, 2)).sub(4);
                            toFloats(level).mul(dl).intoArray(dst, out);
                            out += 8;
                        }
                    }
                }
            }
        }
    }

    /**
     * Fused dot: the row's levels {@code q - 4} (-4..3) are first regrouped into signed bytes
     * ({@link #repack}) and its sub-block factors {@code d (scale_j - 32)} unpacked
     * ({@link #unpackScales}), so the kernel's loop only shifts, converts, scales and FMAs; x is read in
     * the matching order ({@link Q2_KFormat#permute}). The engine calls {@link #matmul}, which permutes x
     * once for all rows.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        float[] permuted = new float[count];
        Q2_KFormat.permute(x, xOffset, permuted, 0, count);
        float[] side = new float[sideSize(count)];
        unpackRow(weights, offset, count, side);
        return KernelBarrier.dot(rowDotKernel, weights, offset, permuted, 0, count, side);
    }

    /**
     * x is permuted ({@link Q2_KFormat#permute}) once per call. One {@link #rowDot} per row for a single
     * activation row; for more, each row is decoded once in that order ({@link #decodeScaled}) and
     * multiplied, two rows at a time, by pairs of activation rows per pass ({@link FloatDots#decodedRowsTimesBatch}): the operations of
     * {@link #rowDot}, so every result equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, sideSize(cols));
        int lead = FloatDots.LEAD;
        float[][] permuted = Scratch.rows(batch, lead + cols);
        for (int b = 0; b < batch; b++) {
            Q2_KFormat.permute(x, b * cols, permuted[b], lead, cols);
        }
        if (batch == 1) {
            for (int r = rowStart; r < rowEnd; r++) {
                long row = offset + r * rowBytes;
                unpackRow(weights, row, cols, side);
                out[r] = KernelBarrier.dot(rowDotKernel, weights, row, permuted[0], lead, cols, side);
            }
            return;
        }
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            unpackRow(weights, row, cols, side);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, side);
        }, cols, permuted, cols, batch, out, outStride, rowStart, rowEnd);
    }

    /** Levels ({@code count / 4}), factors ({@code count / 16}) and room for the last pair's 8-lane load. */
    private static int sideSize(int count) {
        return count / 4 + count / 16 + 8;
    }

    /**
     * A row's side array: its levels ({@link #repack}) in {@code [0, count / 4)}, then per 16-weight
     * sub-block {@code d * (scale_j - 32)}.
     */
    private void unpackRow(MemorySegment weights, long offset, int count, float[] side) {
        KernelBarrier.decodeRow(repackKernel, weights, offset, count, side, side);
        unpackScales(weights, offset, count, side, count / 4);
    }

    /** {@code d * (scale_j - 32)} per 16-weight sub-block at {@code factors[at + j]}. */
    static void unpackScales(MemorySegment w, long offset, int count, float[] factors, int at) {
        w = NativeSegments.TYPE.cast(w);
        int j = at;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES, j += 16) {
            float d = KQuants.half(w, block + 108);
            long low = w.get(KQuants.LE_LONG, block + 96);
            int high = w.get(KQuants.LE_INT, block + 104);
            // scale s: a nibble of byte s % 8 (low for s < 8) below bits 2 (s / 4) of byte 8 + s % 4,
            // gathered eight scales per long (one byte each) so 8 lanes convert at once
            long first = (low & 0x0F0F0F0F0F0F0F0FL)
                    | (((high & 0x03030303L) | ((long) ((high >>> 2) & 0x03030303) << 32)) << 4);
            long second = ((low >>> 4) & 0x0F0F0F0F0F0F0F0FL)
                    | (((((long) high >>> 4) & 0x03030303L) | ((long) ((high >>> 6) & 0x03030303) << 32)) << 4);
            var bits = LongVector.broadcast(LongVector.SPECIES_128, first).withLane(1, second).reinterpretAsBytes();
            for (int part = 0; part < 2; part++) {
                ((FloatVector) bits.convertShape(VectorOperators.B2F, F, part)).sub(32f).mul(d)
                        .intoArray(factors, j + 8 * part);
            }
        }
    }

    /**
     * A row's levels {@code q - 4} as signed bytes, into {@code side[0 .. count / 4)} as int bits: per
     * block, {@code hmask} and each half's {@code qs} are read once as 8 int lanes; 32 weights
     * {@code 128 n + 32 j + l} get in byte {@code l % 4} of lane {@code l / 4} their two low bits, and
     * {@code 0xFC} (the sign-extended "minus 4") where the third bit is clear. A kernel of its own, as
     * {@link Q5_KFormat}'s repack, so {@link #rowDot} stays within C2's node budget.
     */
    private static void repack(MemorySegment w, long offset, int count, float[] side, float[] unused) {
        w = NativeSegments.TYPE.cast(w);
        int out = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            // clear third bits, so that a set bit means "minus 4"
            // shifted by a counter rather than carried from iteration to iteration: see VectorBlockFormat's
            // "Vectors not carried by loops"
            var minusBits = IntVector.fromMemorySegment(I, w, block, ByteOrder.LITTLE_ENDIAN).not();
            for (int half = 0; half < 2; half++) {
                var lowBits = IntVector.fromMemorySegment(I, w, block + 32 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                for (int j = 0; j < 4; j++) {
                    var m = minusBits.lanewise(VectorOperators.LSHR, 4 * half + j).and(0x01010101);
                    // m * 0xFC per byte, no carries between bytes
                    var fill = m.lanewise(VectorOperators.LSHL, 8).sub(m.lanewise(VectorOperators.LSHL, 2));
                    lowBits.lanewise(VectorOperators.LSHR, 2 * j).and(0x03030303).or(fill).reinterpretAsFloats()
                            .intoArray(side, out);
                    out += 8;
                }
            }
        }
    }

    /**
     * The dot of one row in its own order ({@link Q2_KFormat#permute}), {@link FloatDots}' order over
     * that row: per 32 weights, the 8 repacked ints ({@link #repack}) give, byte by byte (sign-extended),
     * 4 vectors of levels, each times the two sub-blocks' factors (lanes 0..3 and 4..7) and FMAed into
     * accumulator 0, 1, 0, 1.
     *
     * @param x the activations permuted by {@link Q2_KFormat#permute}
     * @param side the row's levels and factors ({@link #unpackRow})
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count, float[] side) {
        int levels = count / 4;
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int xs = xOffset;
        for (int at = 0, j = levels; at < levels; at += 8, j += 2) {
            var q = FloatVector.fromArray(F, side, at).reinterpretAsInts();
            var scale = FloatVector.fromArray(F, side, j).rearrange(PAIR);
            acc0 = toFloats(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)).mul(scale)
                    .fma(FloatVector.fromArray(F, x, xs), acc0);
            acc1 = toFloats(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)).mul(scale)
                    .fma(FloatVector.fromArray(F, x, xs + 8), acc1);
            acc0 = toFloats(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)).mul(scale)
                    .fma(FloatVector.fromArray(F, x, xs + 16), acc0);
            acc1 = toFloats(q.lanewise(VectorOperators.ASHR, 24)).mul(scale)
                    .fma(FloatVector.fromArray(F, x, xs + 24), acc1);
            xs += 32;
        }
        return FloatDots.sum(acc0, acc1);
    }

    /**
     * One row as {@link #rowDot} multiplies it, for the batched matmul: {@code d (scale_j - 32) (q - 4)}
     * in its permuted order, from the row's side array ({@link #unpackRow}); {@code count} floats into
     * {@code scaled} from index {@code from}.
     */
    private static void decodeScaled(MemorySegment weights, long offset, int count, float[] scaled, int from, float[] side) {
        int levels = count / 4;
        int out = from;
        for (int at = 0, j = levels; at < levels; at += 8, j += 2) {
            var q = FloatVector.fromArray(F, side, at).reinterpretAsInts();
            var scale = FloatVector.fromArray(F, side, j).rearrange(PAIR);
            toFloats(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)).mul(scale).intoArray(scaled, out);
            toFloats(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)).mul(scale).intoArray(scaled, out + 8);
            toFloats(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)).mul(scale).intoArray(scaled, out + 16);
            toFloats(q.lanewise(VectorOperators.ASHR, 24)).mul(scale).intoArray(scaled, out + 24);
            out += 32;
        }
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's {@code quantize_row_q3_K_ref}: 1. a signed scale per 16 weights by {@code make_q3_quants};
     * 2. those to 6 bits against the largest magnitude ({@code d}); 3. requantize every weight to -4..3
     * with the stored scales (a sub-block whose scale is 0 keeps its first levels); 4. split each level
     * into two low bits and the hmask bit.
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        byte[] levels = new byte[QK_K];
        float[] scales = new float[QK_K / 16];
        byte[] packedScales = new byte[12];
        byte[] hmask = new byte[32];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += QK_K, block += BLOCK_BYTES) {
            float maxScale = 0;
            float amax = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                scales[j] = KQuants.makeQ3Quants(16, 4, x, xb + 16 * j, levels, 16 * j);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            java.util.Arrays.fill(packedScales, (byte) 0);
            float d = 0;
            if (maxScale != 0) {
                float iscale = -32f / maxScale;
                for (int j = 0; j < QK_K / 16; j++) {
                    int l = Math.max(-32, Math.min(31, (byte) KQuants.nearestInt(iscale * scales[j]))) + 32;
                    if (j < 8) {
                        packedScales[j] = (byte) (l & 0xF);
                    } else {
                        packedScales[j - 8] |= (byte) ((l & 0xF) << 4);
                    }
                    packedScales[j % 4 + 8] |= (byte) ((l >> 4) << (2 * (j / 4)));
                }
                d = 1 / iscale;
            }
            MemorySegment.copy(packedScales, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, block + 96, 12);
            KQuants.putHalf(dst, block + 108, d);
            float storedD = KQuants.half(dst, block + 108);
            for (int j = 0; j < QK_K / 16; j++) {
                float dj = storedD * scale(dst, block, j);
                if (dj == 0) {
                    continue;
                }
                for (int ii = 0; ii < 16; ii++) {
                    int l = KQuants.nearestInt(x[xb + 16 * j + ii] / dj);
                    levels[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                }
            }
            // the third bit of weight e goes to bit e / 32 of hmask[e % 32]
            java.util.Arrays.fill(hmask, (byte) 0);
            for (int e = 0; e < QK_K; e++) {
                if (levels[e] > 3) {
                    hmask[e % 32] |= (byte) (1 << (e / 32));
                    levels[e] -= 4;
                }
            }
            MemorySegment.copy(hmask, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, block, 32);
            KQuants.packTwoBits(levels, dst, block + 32);
        }
    }
}
