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

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's {@code quantize_row_q2_K_ref}: 1. a scale and min per 16 weights by {@code make_qkx2_quants}
     * (weights |x|, absolute-error criterion); 2. both to 4 bits against the largest of each ({@code d},
     * {@code dmin}); 3. requantize every weight with the stored values (a sub-block whose scale is 0
     * keeps its first levels).
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        byte[] levels = new byte[QK_K];
        byte[] levelsAux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[QK_K / 16];
        float[] scales = new float[QK_K / 16];
        byte[] packedScales = new byte[16];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += QK_K, block += BLOCK_BYTES) {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                for (int l = 0; l < 16; l++) {
                    weights[l] = Math.abs(x[xb + 16 * j + l]);
                }
                scales[j] = KQuants.makeQkx2Quants(16, 3, x, xb + 16 * j, weights, levels, 16 * j, mins, j, levelsAux,
                        -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin) {
                    maxMin = mins[j];
                }
            }
            java.util.Arrays.fill(packedScales, (byte) 0);
            float d = 0;
            if (maxScale > 0) {
                float iscale = 15f / maxScale;
                for (int j = 0; j < QK_K / 16; j++) {
                    packedScales[j] = (byte) KQuants.nearestInt(iscale * scales[j]);
                }
                d = maxScale / 15f;
            }
            float dmin = 0;
            if (maxMin > 0) {
                float iscale = 15f / maxMin;
                for (int j = 0; j < QK_K / 16; j++) {
                    packedScales[j] |= (byte) (KQuants.nearestInt(iscale * mins[j]) << 4);
                }
                dmin = maxMin / 15f;
            }
            MemorySegment.copy(packedScales, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, block, 16);
            KQuants.putHalf(dst, block + 80, d);
            KQuants.putHalf(dst, block + 82, dmin);
            float storedD = KQuants.half(dst, block + 80);
            float storedMin = KQuants.half(dst, block + 82);
            for (int j = 0; j < QK_K / 16; j++) {
                float dj = storedD * (packedScales[j] & 0xF);
                if (dj == 0) {
                    continue;
                }
                float dm = storedMin * ((packedScales[j] & 0xFF) >>> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = KQuants.nearestInt((x[xb + 16 * j + ii] + dm) / dj);
                    levels[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            KQuants.packTwoBits(levels, dst, block + 16);
        }
    }
}
