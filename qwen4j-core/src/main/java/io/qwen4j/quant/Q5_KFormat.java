package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K: 256 weights in 176 bytes, {@code w = d * scale_j * q - dmin * min_j} with 5-bit {@code q}.
 *
 * <p>Block ({@code block_q5_K}): {@code d}, {@code dmin} (fp16), 12 bytes of 6-bit scales and mins as
 * in Q4_K, 32 bytes {@code qh} of fifth bits, 128 bytes of nibbles laid out as Q4_K. For chunk {@code c}
 * (64 weights) weight {@code l} takes bit {@code 2c} of {@code qh[l]}, weight {@code 32 + l} bit {@code 2c+1}.
 */
final class Q5_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 176;

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
