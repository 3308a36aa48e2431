package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorOperators;

/**
 * Q2_K: 256 weights in 84 bytes, {@code w = d * scale_j * q - dmin * min_j} with 2-bit {@code q} and a
 * 4-bit scale and 4-bit min per 16 weights.
 *
 * <p>Block ({@code block_q2_K}): 16 bytes of scales (low nibble scale, high nibble min), 64 bytes
 * {@code qs}, {@code d}, {@code dmin} (fp16). Per 128-weight half {@code n}, weight {@code 32j + l}
 * ({@code j} 0..3, {@code l} 0..31) is bits {@code 2j..2j+1} of {@code qs[32n + l]}, using scale byte
 * {@code 8n + 2j + l/16}.
 */
final class Q2_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 84;

    @Override
    public TensorType type() {
        return TensorType.Q2_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block + 80);
            float min = KQuants.half(src, block + 82);
            for (int half = 0; half < 2; half++) {
                long q = block + 16 + 32 * half;
                for (int j = 0; j < 4; j++) {
                    for (int part = 0; part < 2; part++) {
                        int sc = KQuants.u8(src, block + 8 * half + 2 * j + part);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            dst[out + l] = dl * ((KQuants.u8(src, q + 16 * part + l) >>> (2 * j)) & 3) - ml;
                        }
                        out += 16;
                    }
                }
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block + 80);
            float min = KQuants.half(src, block + 82);
            for (int half = 0; half < 2; half++) {
                long q = block + 16 + 32 * half;
                for (int j = 0; j < 4; j++) {
                    for (int part = 0; part < 2; part++) {
                        int sc = KQuants.u8(src, block + 8 * half + 2 * j + part);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l += 8) {
                            var levels = widen(src, q + 16 * part + l).lanewise(VectorOperators.ASHR, 2 * j).and(3);
                            toFloats(levels).mul(dl).sub(ml).intoArray(dst, out + l);
                        }
                        out += 16;
                    }
                }
            }
        }
    }
}
