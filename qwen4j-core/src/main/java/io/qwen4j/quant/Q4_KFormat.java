package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
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
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final VectorSpecies<Float> F = FloatDots.F;

    @Override
    public TensorType type() {
        return TensorType.Q4_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
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
            for (int chunk = 0; chunk < 4; chunk++) {
                float d1 = d * KQuants.scaleK4(src, block + 4, 2 * chunk);
                float m1 = min * KQuants.minK4(src, block + 4, 2 * chunk);
                float d2 = d * KQuants.scaleK4(src, block + 4, 2 * chunk + 1);
                float m2 = min * KQuants.minK4(src, block + 4, 2 * chunk + 1);
                long q = block + 16 + 32 * chunk;
                for (int j = 0; j < 32; j += 8) {
                    var bytes = ByteVector.fromMemorySegment(B, src, q + j, ByteOrder.LITTLE_ENDIAN);
                    toFloats(bytes.and((byte) 0xF)).mul(d1).sub(m1).intoArray(dst, out + j);
                    toFloats(bytes.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).intoArray(dst, out + 32 + j);
                }
                out += 64;
            }
        }
    }

    /**
     * Fused dot: nibbles are widened and scaled in registers, never stored. Each 8-byte load feeds
     * accumulator {@code j/8} twice, low nibbles (weights j..j+7) before high (j+32..), which is
     * increasing element order as {@link FloatDots} requires.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        var acc2 = FloatVector.zero(F);
        var acc3 = FloatVector.zero(F);
        int xi = xOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(weights, block);
            float min = KQuants.half(weights, block + 2);
            for (int chunk = 0; chunk < 4; chunk++) {
                float d1 = d * KQuants.scaleK4(weights, block + 4, 2 * chunk);
                float m1 = min * KQuants.minK4(weights, block + 4, 2 * chunk);
                float d2 = d * KQuants.scaleK4(weights, block + 4, 2 * chunk + 1);
                float m2 = min * KQuants.minK4(weights, block + 4, 2 * chunk + 1);
                long q = block + 16 + 32 * chunk;
                var b0 = ByteVector.fromMemorySegment(B, weights, q, ByteOrder.LITTLE_ENDIAN);
                var b1 = ByteVector.fromMemorySegment(B, weights, q + 8, ByteOrder.LITTLE_ENDIAN);
                var b2 = ByteVector.fromMemorySegment(B, weights, q + 16, ByteOrder.LITTLE_ENDIAN);
                var b3 = ByteVector.fromMemorySegment(B, weights, q + 24, ByteOrder.LITTLE_ENDIAN);
                acc0 = toFloats(b0.and((byte) 0xF)).mul(d1).sub(m1).fma(FloatVector.fromArray(F, x, xi), acc0);
                acc1 = toFloats(b1.and((byte) 0xF)).mul(d1).sub(m1).fma(FloatVector.fromArray(F, x, xi + 8), acc1);
                acc2 = toFloats(b2.and((byte) 0xF)).mul(d1).sub(m1).fma(FloatVector.fromArray(F, x, xi + 16), acc2);
                acc3 = toFloats(b3.and((byte) 0xF)).mul(d1).sub(m1).fma(FloatVector.fromArray(F, x, xi + 24), acc3);
                acc0 = toFloats(b0.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).fma(FloatVector.fromArray(F, x, xi + 32), acc0);
                acc1 = toFloats(b1.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).fma(FloatVector.fromArray(F, x, xi + 40), acc1);
                acc2 = toFloats(b2.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).fma(FloatVector.fromArray(F, x, xi + 48), acc2);
                acc3 = toFloats(b3.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).fma(FloatVector.fromArray(F, x, xi + 56), acc3);
                xi += 64;
            }
        }
        return FloatDots.sum(acc0, acc1, acc2, acc3);
    }

    static FloatVector toFloats(ByteVector bytes) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q4_K_ref}; see {@link KMinQuantizer}. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        KMinQuantizer.quantize(KMinQuantizer.Q4_K, src, srcOffset, count, dst, dstOffset);
    }
}
