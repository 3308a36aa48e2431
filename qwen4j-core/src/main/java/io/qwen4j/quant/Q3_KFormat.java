package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorOperators;

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
