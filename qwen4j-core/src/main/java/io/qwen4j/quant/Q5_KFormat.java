package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
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
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;

    @Override
    public TensorType type() {
        return TensorType.Q5_K;
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
                for (int j = 0; j < 32; j += 8) {
                    var low = ByteVector.fromMemorySegment(B, src, ql + j, ByteOrder.LITTLE_ENDIAN);
                    var high = ByteVector.fromMemorySegment(B, src, block + 16 + j, ByteOrder.LITTLE_ENDIAN);
                    var q1 = low.and((byte) 0xF)
                            .or(high.lanewise(VectorOperators.LSHR, 2 * chunk).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    var q2 = low.lanewise(VectorOperators.LSHR, 4)
                            .or(high.lanewise(VectorOperators.LSHR, 2 * chunk + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    Q4_KFormat.toFloats(q1).mul(d1).sub(m1).intoArray(dst, out + j);
                    Q4_KFormat.toFloats(q2).mul(d2).sub(m2).intoArray(dst, out + 32 + j);
                }
                out += 64;
            }
        }
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q5_K_ref}; see {@link KMinQuantizer}. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        KMinQuantizer.quantize(KMinQuantizer.Q5_K, src, srcOffset, count, dst, dstOffset);
    }
}
