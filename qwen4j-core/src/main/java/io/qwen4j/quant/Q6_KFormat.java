package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: 256 weights in 210 bytes, {@code w = d * scale_j * (q - 32)} with 6-bit {@code q} and sixteen
 * signed 8-bit scales (one per 16 weights).
 *
 * <p>Block ({@code block_q6_K}): 128 bytes {@code ql} (low nibbles), 64 bytes {@code qh} (2 high bits
 * each), 16 scales, {@code d} (fp16). Per 128-weight half, with {@code l} in 0..31: {@code ql[l]} holds
 * weights {@code l} (low nibble) and {@code l+64} (high), {@code ql[l+32]} weights {@code l+32} and
 * {@code l+96}; {@code qh[l]} bits 0-1, 2-3, 4-5, 6-7 are the high bits of {@code l, l+32, l+64, l+96}.
 *
 * <p>The one-row kernels {@link #unpack} each row first (levels as signed bytes in element order, one scale per
 * 16 weights) and multiply in {@link FloatDots}' order, each weight rounded as {@link #decode} rounds it: a row's dot
 * is {@link FloatDots#dot} over its dequantized floats bit for bit, and the batched matmul is the base class's
 * decoded-row tile over {@link #decode}.
 */
final class Q6_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 210;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Integer> I = Species.INTS;
    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;

    Q6_KFormat() {
        super(KernelBarrier.find(MethodHandles.lookup(), Q6_KFormat.class, Species.WIDE ? "rowsDotWide" : "rowsDot", KernelBarrier.ROWS_DOT),
                Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), Q6_KFormat.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.Q6_K;
    }

    /**
     * Only pairs: the pair kernel unpacks a row once per pair, the decoded-row tile once for the whole batch. {@code bench
     * matmul --types q6_k --batch 1,2,3,4 --rows 3072 --cols 1024}, one thread, decoded rows 20.6 / 25.8 / 29.0 / 39.8
     * GFLOP/s, pairs at every batch 18.3-21.0 / 31.2-35.8 / 20.7-26.4 / 27.8-35.1 (three runs).
     */
    @Override
    int pairedBatch() {
        return 2;
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

    /** The row {@link #unpack}ed, then each level times its scale: the products {@link #dequantize} makes. */
    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        byte[] levels = Scratch.bytes(count);
        float[] scales = Scratch.floats(Scratch.Slot.ROW_SIDE, count / 16);
        unpack(src, offset, count, levels, 0, scales, 0);
        for (int i = 0; i < count; i += 16) {
            float scale = scales[i >> 4];
            levels8(levels, i).mul(scale).intoArray(dst, dstOffset + i);
            levels8(levels, i + 8).mul(scale).intoArray(dst, dstOffset + i + 8);
        }
    }

    /**
     * {@link #rowsDot} of each row in {@code [rowStart, rowEnd)} with 8-lane vectors, the {@link KernelBarrier#ROWS_DOT}
     * kernel without {@link Species#WIDE}: two rows at a time ({@link #twoRows}), so four accumulator chains run side
     * by side.
     */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        inPairs(false, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * {@link #rowsDot} with 16-lane vectors ({@link #twoRowsWide}), the {@link KernelBarrier#ROWS_DOT} kernel with
     * {@link Species#WIDE}: the same bits, as a 16-lane accumulator over 16 consecutive weights is {@link #twoRows}'
     * {@code a0} and {@code a1} side by side.
     */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        inPairs(true, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * Neighbouring rows two at a time, as for Q4_K (an odd last row with itself): each row is read whole, in order, by
     * {@link #unpack} first, then both are multiplied. {@code wide} is a constant in each caller, so each of the two
     * kernels compiles one branch.
     */
    private static void inPairs(boolean wide, MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset,
                                int count, float[] out, int rowStart, int rowEnd) {
        byte[] levels = Scratch.bytes(2 * count);
        float[] scales = Scratch.floats(Scratch.Slot.ROW_SIDE, count / 8);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r += 2) {
            int partner = Math.min(r + 1, rowEnd - 1);
            unpack(weights, offset + r * rowBytes, count, levels, 0, scales, 0);
            unpack(weights, offset + partner * rowBytes, count, levels, count, scales, count / 16);
            if (wide) {
                twoRowsWide(levels, scales, count, x, xOffset, lanes);
                // r first: a one-row call's out is the SUMS buffer too (KernelBarrier.rowDot), and lanes[0] is its out[0]
                out[r] = Lanes.sumOfTwo(lanes, 0);
                out[partner] = Lanes.sumOfTwo(lanes, 16);
            } else {
                // summed in registers: through lanes, as the wide kernel must, the 8-lane kernel measured 3-5 % slower
                twoRows(levels, scales, count, x, xOffset, out, r, partner);
            }
        }
    }

    /**
     * {@link FloatDots#dot}'s FMAs over two unpacked rows ({@link #unpack}; the second from {@code count}): per 16
     * weights, their 16 levels times the sub-block's scale (the floats {@link #decode} makes) into {@code a0}/{@code b0}
     * (first 8) and {@code a1}/{@code b1} (last 8), summed into {@code out[r]} and {@code out[partner]}.
     */
    private static void twoRows(byte[] levels, float[] scales, int count, float[] x, int xOffset, float[] out, int r, int partner) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var b0 = FloatVector.zero(F);
        var b1 = FloatVector.zero(F);
        int second = count / 16;
        for (int i = 0, j = 0; i < count; i += 16, j++) {
            var x0 = FloatVector.fromArray(F, x, xOffset + i);
            var x1 = FloatVector.fromArray(F, x, xOffset + i + 8);
            float sa = scales[j];
            float sb = scales[second + j];
            a0 = levels8(levels, i).mul(sa).fma(x0, a0);
            a1 = levels8(levels, i + 8).mul(sa).fma(x1, a1);
            b0 = levels8(levels, count + i).mul(sb).fma(x0, b0);
            b1 = levels8(levels, count + i + 8).mul(sb).fma(x1, b1);
        }
        out[r] = FloatDots.sum(a0, a1);
        out[partner] = FloatDots.sum(b0, b1);
    }

    /** Eight unpacked levels from {@code at} as floats (exact). */
    private static FloatVector levels8(byte[] levels, int at) {
        return (FloatVector) ByteVector.fromArray(BYTES_8, levels, at).convertShape(VectorOperators.B2F, F, 0);
    }

    /** {@link #twoRows} with one 16-lane accumulator per row, into {@code lanes[0..15]} and {@code lanes[16..31]}. */
    private static void twoRowsWide(byte[] levels, float[] scales, int count, float[] x, int xOffset, float[] lanes) {
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        int second = count / 16;
        for (int i = 0, j = 0; i < count; i += 16, j++) {
            var xs = FloatVector.fromArray(WIDE, x, xOffset + i);
            a = levels16(levels, i).mul(scales[j]).fma(xs, a);
            b = levels16(levels, count + i).mul(scales[second + j]).fma(xs, b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * {@link #rowsDotWide}'s dot of each row in {@code [rowStart, rowEnd)} with two activation rows, {@code x} into
     * {@code out[outAt + r]} and {@code y} into {@code out[outAt + outStride + r]}: the {@link KernelBarrier#ROWS_DOT_PAIR}
     * kernel with {@link Species#WIDE}. A row is unpacked once and each 16 weights converted and scaled once for both,
     * each activation row summed as {@link #twoRowsWide} sums one, so the same bits as one dot per activation row.
     */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                                float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        byte[] levels = Scratch.bytes(count);
        float[] scales = Scratch.floats(Scratch.Slot.ROW_SIDE, count / 16);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            unpack(weights, offset + r * rowBytes, count, levels, 0, scales, 0);
            var a = FloatVector.zero(WIDE);
            var b = FloatVector.zero(WIDE);
            for (int i = 0, j = 0; i < count; i += 16, j++) {
                var w = levels16(levels, i).mul(scales[j]);
                a = w.fma(FloatVector.fromArray(WIDE, x, xOffset + i), a);
                b = w.fma(FloatVector.fromArray(WIDE, y, xOffset + i), b);
            }
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            out[outAt + r] = Lanes.sumOfTwo(lanes, 0);
            out[outAt + outStride + r] = Lanes.sumOfTwo(lanes, 16);
        }
    }

    /** Sixteen unpacked levels from {@code at} as floats (exact). */
    private static FloatVector levels16(byte[] levels, int at) {
        return (FloatVector) ByteVector.fromArray(ByteVector.SPECIES_128, levels, at).convertShape(VectorOperators.B2F, WIDE, 0);
    }

    /**
     * A row unpacked for the kernels: its levels {@code q - 32} as signed bytes in element order into {@code levels}
     * from {@code at}, and its scales {@code d * scale_j} (one per 16 weights, in order) into {@code scales} from
     * {@code scalesAt}. Per 128-weight half, {@code ql[0..31]}, {@code ql[32..63]} and {@code qh[0..31]} are read once
     * each as 8 int lanes, and each 32 weights' 6-bit levels are put together in the bytes of one vector (a byte
     * {@code l} of {@code ql} and of {@code qh} serve weights {@code l}, {@code l + 32}, {@code l + 64}, {@code l + 96}),
     * then 32 subtracted byte by byte. With the levels in bytes, a weight costs the dot one widening load, a
     * conversion, the scale and an FMA, where the levels packed four to an int lane cost two more shifts and one row
     * alone set the pace by its FMA latency ({@code bench matmul --types q6_k --batch 1 -t 1}: README, "Q6_K levels in bytes").
     */
    private static void unpack(MemorySegment w, long offset, int count, byte[] levels, int at, float[] scales, int scalesAt) {
        w = NativeSegments.TYPE.cast(w);
        int out = at;
        int s = scalesAt;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (int half = 0; half < 2; half++) {
                long ql = block + 64 * half;
                long qh = block + 128 + 32 * half;
                var low = IntVector.fromMemorySegment(I, w, ql, ByteOrder.LITTLE_ENDIAN);
                var high = IntVector.fromMemorySegment(I, w, ql + 32, ByteOrder.LITTLE_ENDIAN);
                var bits = IntVector.fromMemorySegment(I, w, qh, ByteOrder.LITTLE_ENDIAN);
                centred(low.and(0x0F0F0F0F).or(bits.and(0x03030303).lanewise(VectorOperators.LSHL, 4)))
                        .intoArray(levels, out);
                centred(high.and(0x0F0F0F0F).or(bits.and(0x0C0C0C0C).lanewise(VectorOperators.LSHL, 2)))
                        .intoArray(levels, out + 32);
                centred(low.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(bits.and(0x30303030)))
                        .intoArray(levels, out + 64);
                centred(high.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(bits.lanewise(VectorOperators.LSHR, 2).and(0x30303030)))
                        .intoArray(levels, out + 96);
                out += 128;
            }
            float d = KQuants.half(w, block + 208);
            ((FloatVector) ByteVector.fromMemorySegment(BYTES_8, w, block + 192, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(scales, s);
            ((FloatVector) ByteVector.fromMemorySegment(BYTES_8, w, block + 200, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(scales, s + 8);
            s += 16;
        }
    }

    /** Levels {@code 0..63} in the bytes of {@code q}, minus 32 byte by byte: {@code q - 32} as signed bytes. */
    private static ByteVector centred(IntVector q) {
        return q.reinterpretAsBytes().sub((byte) 32);
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
