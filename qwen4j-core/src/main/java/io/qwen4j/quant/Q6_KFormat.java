package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
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
 */
final class Q6_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 210;
    private static final VectorSpecies<Float> F = FloatDots.F;
    /** {@link #rowDot} behind a {@link KernelBarrier}. */
    private final MethodHandle rowDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q6_KFormat.class, "rowDot", KernelBarrier.DOT_WITH_SIDE);

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
     * Fused dot: 6-bit levels are assembled and scaled in registers, in {@link FloatDots}' order. The
     * sub-block scales {@code d * scale_j} are unpacked first, outside the kernel ({@link #unpackScales}),
     * so the compiled vector loop holds no scalar conversions and stays within C2's node budget.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        float[] scales = new float[count / 16];
        unpackScales(weights, offset, count, scales);
        return KernelBarrier.dot(rowDotKernel, weights, offset, x, xOffset, count, scales);
    }

    /** {@code d * scale_j} of every 16-weight sub-block of a row, in element order. */
    static void unpackScales(MemorySegment w, long offset, int count, float[] scales) {
        int j = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(w, block + 208);
            for (int i = 0; i < 16; i++) {
                scales[j++] = d * scale(w, block + 192 + i);
            }
        }
    }

    /**
     * Quarter {@code (half, k)} holds weights {@code 128 half + 32 k + 0..31}: their low bits are the low
     * (k < 2) or high nibbles of {@code ql[32 (k % 2) + l]}, their high bits bits {@code 2k} of
     * {@code qh[l]}. Each inner step does 16 weights (one scale) as two vectors for accumulators 0 and 1,
     * in increasing element order as {@link FloatDots} requires; a bigger loop body overflows C2's node
     * budget and boxes the vectors.
     */
    private static float rowDot(MemorySegment w, long offset, float[] x, int xOffset, int count, float[] scales) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int j = 0;
        int xs = xOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (int quarter = 0; quarter < 8; quarter++) {
                int half = quarter >> 2;
                int k = quarter & 3;
                long ql = block + 64 * half + 32 * (k & 1);
                long qh = block + 128 + 32 * half;
                int nibble = 4 * (k >> 1);
                for (int l = 0; l < 32; l += 16) {
                    var scale = FloatVector.broadcast(F, scales[j++]);
                    acc0 = toFloats(level6x8(w, ql + l, qh + l, nibble, 2 * k)).mul(scale).fma(FloatVector.fromArray(F, x, xs + l), acc0);
                    acc1 = toFloats(level6x8(w, ql + l + 8, qh + l + 8, nibble, 2 * k)).mul(scale).fma(FloatVector.fromArray(F, x, xs + l + 8), acc1);
                }
                xs += 32;
            }
        }
        return FloatDots.sum(acc0, acc1);
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
