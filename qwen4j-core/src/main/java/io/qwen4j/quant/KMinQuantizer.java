package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference quantizer of the "scale and min" k-quants, Q4_K and Q5_K ({@code quantize_row_q4_K_ref},
 * {@code quantize_row_q5_K_ref}). They differ only in the level count, the search parameters of
 * {@code make_qkx2_quants} and where the fifth bit goes.
 *
 * <p>Per 256-weight block: 1. fit a scale and min per 32-weight sub-block; 2. quantize those to 6 bits
 * against the block's largest ({@code d}, {@code dmin} as fp16); 3. requantize every weight with the
 * rounded scales actually stored, so decoding sees the levels that fit them best.
 */
final class KMinQuantizer {

    /** One variant's parameters: levels 0..nmax, and the candidate-scale search of make_qkx2_quants. */
    record Variant(int nmax, float rmin, float rdelta, int nstep, int blockBytes) {
    }

    static final Variant Q4_K = new Variant(15, -1f, 0.1f, 20, 144);
    static final Variant Q5_K = new Variant(31, -0.5f, 0.1f, 15, 176);

    private KMinQuantizer() {
    }

    static void quantize(Variant v, float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        byte[] levels = new byte[QK_K];
        byte[] levelsAux = new byte[32];
        float[] weights = new float[32];
        float[] mins = new float[QK_K / 32];
        float[] scales = new float[QK_K / 32];
        byte[] packedScales = new byte[12];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += QK_K, block += v.blockBytes()) {
            // 1. per sub-block scale and min, weighted towards large magnitudes
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < QK_K / 32; j++) {
                int xs = xb + 32 * j;
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) {
                    sumX2 += x[xs + l] * x[xs + l];
                }
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) {
                    weights[l] = avX + Math.abs(x[xs + l]);
                }
                scales[j] = KQuants.makeQkx2Quants(32, v.nmax(), x, xs, weights, levels, 32 * j, mins, j, levelsAux,
                        v.rmin(), v.rdelta(), v.nstep(), false);
                if (scales[j] > maxScale) {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin) {
                    maxMin = mins[j];
                }
            }
            // 2. six-bit scales and mins relative to the largest of each
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < QK_K / 32; j++) {
                int ls = Math.min(63, KQuants.nearestInt(invScale * scales[j]) & 0xFF);
                int lm = Math.min(63, KQuants.nearestInt(invMin * mins[j]) & 0xFF);
                if (j < 4) {
                    packedScales[j] = (byte) ls;
                    packedScales[j + 4] = (byte) lm;
                } else {
                    packedScales[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                    packedScales[j - 4] |= (byte) ((ls >> 4) << 6);
                    packedScales[j] |= (byte) ((lm >> 4) << 6);
                }
            }
            KQuants.putHalf(dst, block, maxScale / 63f);
            KQuants.putHalf(dst, block + 2, maxMin / 63f);
            MemorySegment.copy(packedScales, 0, dst, ValueLayout.JAVA_BYTE, block + 4, 12);
            // 3. requantize against the stored scales; a sub-block whose scale is 0 keeps its first levels
            float d = KQuants.half(dst, block);
            float dmin = KQuants.half(dst, block + 2);
            for (int j = 0; j < QK_K / 32; j++) {
                float dj = d * KQuants.scaleK4(dst, block + 4, j);
                if (dj == 0) {
                    continue;
                }
                float dm = dmin * KQuants.minK4(dst, block + 4, j);
                for (int ii = 0; ii < 32; ii++) {
                    int l = KQuants.nearestInt((x[xb + 32 * j + ii] + dm) / dj);
                    levels[32 * j + ii] = (byte) Math.max(0, Math.min(v.nmax(), l));
                }
            }
            if (v.nmax() == 15) {
                packNibbles(levels, dst, block + 16);
            } else {
                packFiveBits(levels, dst, block + 16, block + 48);
            }
        }
    }

    /** Q4_K: per 64 weights, 32 bytes; weight l in the low nibble of byte l, weight l+32 in the high. */
    private static void packNibbles(byte[] levels, MemorySegment dst, long qs) {
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, qs + j / 2 + l, (byte) (levels[j + l] | (levels[j + l + 32] << 4)));
            }
        }
    }

    /** Q5_K: nibbles as Q4_K, and the fifth bit of weight 64c+l (c-th chunk) in bit 2c of qh[l], of 64c+32+l in bit 2c+1. */
    private static void packFiveBits(byte[] levels, MemorySegment dst, long qh, long qs) {
        byte[] high = new byte[32];
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int l1 = levels[64 * chunk + l];
                int l2 = levels[64 * chunk + 32 + l];
                high[l] |= (byte) (((l1 >> 4) << (2 * chunk)) | ((l2 >> 4) << (2 * chunk + 1)));
                dst.set(ValueLayout.JAVA_BYTE, qs + 32 * chunk + l, (byte) ((l1 & 0xF) | ((l2 & 0xF) << 4)));
            }
        }
        MemorySegment.copy(high, 0, dst, ValueLayout.JAVA_BYTE, qh, 32);
    }
}
