package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

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
    private static final VectorSpecies<Float> F = FloatDots.F;
    /** {@link #fusedDot} behind a {@link KernelBarrier}. */
    private final MethodHandle fusedDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_KFormat.class, "fusedDot", KernelBarrier.DOT);

    @Override
    public TensorType type() {
        return TensorType.Q4_K;
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
     * Fused dot: nibbles are widened and scaled in registers, never stored. One call of
     * {@link #accumulateBlock} per block keeps each compiled loop small enough for C2 to keep every
     * vector in a register (one method with the whole block unrolled hit its inlining node budget and
     * fell back to boxed vectors, 10x slower); accumulators travel between blocks through {@code acc}.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        return KernelBarrier.dot(fusedDotKernel, weights, offset, x, xOffset, count);
    }

    private static float fusedDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        float[] acc = new float[16];
        int xi = xOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            accumulateBlock(weights, block, x, xi, acc);
            xi += QK_K;
        }
        return FloatDots.sum(acc);
    }

    /**
     * Adds one block's products to the two accumulators in {@code acc}. Sub-block {@code sub} is the low
     * (even) or high (odd) nibbles of 32 bytes; its four vectors go to accumulators 0, 1, 0, 1, which
     * is {@link FloatDots}' order.
     */
    private static void accumulateBlock(MemorySegment w, long block, float[] x, int xi, float[] acc) {
        var acc0 = FloatVector.fromArray(F, acc, 0);
        var acc1 = FloatVector.fromArray(F, acc, 8);
        float d = KQuants.half(w, block);
        float min = KQuants.half(w, block + 2);
        long scales = w.get(KQuants.LE_LONG, block + 4);
        int scalesHigh = w.get(KQuants.LE_INT, block + 12);
        for (int sub = 0; sub < 8; sub++) {
            var scale = FloatVector.broadcast(F, d * KQuants.scaleK4(scales, scalesHigh, sub));
            var shift = FloatVector.broadcast(F, min * KQuants.minK4(scales, scalesHigh, sub));
            long q = block + 16 + 32 * (sub >> 1);
            int nibble = 4 * (sub & 1);
            int xs = xi + 32 * sub;
            // 16 weights per step: a bigger loop body overflows C2's node budget and boxes the vectors
            for (int l = 0; l < 32; l += 16) {
                acc0 = nibbles(w, q + l, nibble).mul(scale).sub(shift).fma(FloatVector.fromArray(F, x, xs + l), acc0);
                acc1 = nibbles(w, q + l + 8, nibble).mul(scale).sub(shift).fma(FloatVector.fromArray(F, x, xs + l + 8), acc1);
            }
        }
        acc0.intoArray(acc, 0);
        acc1.intoArray(acc, 8);
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
