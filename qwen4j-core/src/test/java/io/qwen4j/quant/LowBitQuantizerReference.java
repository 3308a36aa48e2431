package io.qwen4j.quant;

import static io.qwen4j.quant.KQuantizerReference.fp16;
import static io.qwen4j.quant.KQuantizerReference.fp32;
import static io.qwen4j.quant.KQuantizerReference.makeQkx2;
import static io.qwen4j.quant.KQuantizerReference.nearestInt;
import static io.qwen4j.quant.KQuantizerReference.putHalf;

/**
 * Test-side transcription of ggml's reference quantizers for the low-bit formats: Q2_K
 * ({@code quantize_row_q2_K_ref}), Q3_K ({@code quantize_row_q3_K_ref} with {@code make_q3_quants}) and
 * IQ4_NL ({@code quantize_iq4_nl}, what llama-quantize calls) and IQ4_XS ({@code quantize_row_iq4_xs_ref}), in the same C-like style as {@link KQuantizerReference}.
 */
final class LowBitQuantizerReference {

    private LowBitQuantizerReference() {
    }

    static int bestIndexInt8(int n, int[] val, float x) {
        float x2 = x + x;
        int idx = 0;
        for (int step = n >> 1; step > 0; step >>= 1) {
            int j = idx + step;
            idx = (x2 >= (float) (val[j - 1] + val[j])) ? j : idx;
        }
        return idx;
    }

    /**
     * quantize_iq4_nl, what llama-quantize calls: quantize_row_iq4_nl_impl(32, 32, ..., no quant weights, ntry 7),
     * whose one-block branch maps every weight again under 1 / scales[0] after the search.
     */
    static byte[] quantizeIQ4NL(float[] x) {
        int[] values = KQuantReference.KVALUES;
        int ntry = 7;
        int nb = x.length / 32;
        byte[] out = new byte[nb * 18];
        int[] L = new int[32];
        float[] weight = new float[32];
        for (int ibl = 0; ibl < nb; ibl++) {
            int xo = 32 * ibl;
            for (int j = 0; j < 32; ++j) weight[j] = x[xo + j] * x[xo + j];
            float amax = 0, max = 0;
            for (int j = 0; j < 32; ++j) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xo + j];
                }
            }
            float scale = 0;
            if (amax >= 1e-15f) {
                float d = ntry > 0 ? -max / values[0] : max / values[0];
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < 32; ++j) {
                    int l = bestIndexInt8(16, values, id * x[xo + j]);
                    float q = values[l];
                    sumqx += weight[j] * q * x[xo + j];
                    sumq2 += weight[j] * q * q;
                }
                d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
                float best = d * sumqx;
                for (int itry = -ntry; itry <= ntry; ++itry) {
                    id = (itry + values[0]) / max;
                    sumqx = sumq2 = 0;
                    for (int j = 0; j < 32; ++j) {
                        int l = bestIndexInt8(16, values, id * x[xo + j]);
                        float q = values[l];
                        sumqx += weight[j] * q * x[xo + j];
                        sumq2 += weight[j] * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scale = d;
            }
            // the one-block branch: dh = scales[0], then (ntry > 0) every level again from 1 / scales[0]
            float id = scale != 0 ? 1 / scale : 0;
            for (int j = 0; j < 32; ++j) L[j] = bestIndexInt8(16, values, id * x[xo + j]);
            putHalf(out, 18 * ibl, fp16(scale));
            for (int j = 0; j < 16; ++j) out[18 * ibl + 2 + j] = (byte) (L[j] | (L[16 + j] << 4));
        }
        return out;
    }

    /** make_q3_quants with do_rmse. */
    static float makeQ3(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < 1e-15f) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * x[xo + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; ++itry) {
            int nChanged = 0;
            for (int i = 0; i < n; ++i) {
                float w = x[xo + i] * x[xo + i];
                float slx = sumlx - w * x[xo + i] * L[lo + i];
                if (slx > 0) {
                    float sl2 = suml2 - w * L[lo + i] * L[lo + i];
                    int newL = nearestInt(x[xo + i] * sl2 / slx);
                    newL = Math.max(-nmax, Math.min(nmax - 1, newL));
                    if (newL != L[lo + i]) {
                        slx += w * x[xo + i] * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            ++nChanged;
                        }
                    }
                }
            }
            if (nChanged == 0) break;
        }
        for (int i = 0; i < n; ++i) L[lo + i] += nmax;
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    static void packQs(int[] L, byte[] out, int qs) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; ++l) {
                out[qs + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    /** quantize_row_q2_K_ref: block_q2_K { u8 scales[16]; u8 qs[64]; half d; half dmin; } */
    static byte[] quantizeQ2K(float[] x) {
        int nb = x.length / 256;
        byte[] out = new byte[nb * 84];
        int[] L = new int[256];
        int[] Laux = new int[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        float[] theMin = new float[1];
        for (int i = 0; i < nb; i++) {
            int xo = 256 * i;
            int base = 84 * i;
            int[] sc = new int[16];
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 16; ++j) {
                for (int l = 0; l < 16; ++l) weights[l] = Math.abs(x[xo + 16 * j + l]);
                scales[j] = makeQkx2(16, 3, x, xo + 16 * j, weights, L, 16 * j, theMin, Laux, -0.5f, 0.1f, 15, true);
                mins[j] = theMin[0];
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            short d16;
            short dmin16;
            if (maxScale > 0) {
                float iscale = 15.f / maxScale;
                for (int j = 0; j < 16; ++j) sc[j] = nearestInt(iscale * scales[j]) & 0xFF;
                d16 = fp16(maxScale / 15.f);
            } else {
                d16 = fp16(0.f);
            }
            if (maxMin > 0) {
                float iscale = 15.f / maxMin;
                for (int j = 0; j < 16; ++j) sc[j] = (sc[j] | (nearestInt(iscale * mins[j]) << 4)) & 0xFF;
                dmin16 = fp16(maxMin / 15.f);
            } else {
                dmin16 = fp16(0.f);
            }
            for (int j = 0; j < 16; ++j) {
                float d = fp32(d16) * (sc[j] & 0xF);
                if (d == 0) continue;
                float dm = fp32(dmin16) * (sc[j] >> 4);
                for (int ii = 0; ii < 16; ++ii) {
                    int l = nearestInt((x[xo + 16 * j + ii] + dm) / d);
                    L[16 * j + ii] = Math.max(0, Math.min(3, l));
                }
            }
            for (int j = 0; j < 16; j++) out[base + j] = (byte) sc[j];
            packQs(L, out, base + 16);
            putHalf(out, base + 80, d16);
            putHalf(out, base + 82, dmin16);
        }
        return out;
    }

    /** quantize_row_q3_K_ref: block_q3_K { u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d; } */
    static byte[] quantizeQ3K(float[] x) {
        int nb = x.length / 256;
        byte[] out = new byte[nb * 110];
        int[] L = new int[256];
        float[] scales = new float[16];
        for (int i = 0; i < nb; i++) {
            int xo = 256 * i;
            int base = 110 * i;
            float maxScale = 0;
            float amax = 0;
            for (int j = 0; j < 16; ++j) {
                scales[j] = makeQ3(16, 4, x, xo + 16 * j, L, 16 * j);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            int[] sc = new int[12];
            short d16;
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int j = 0; j < 16; ++j) {
                    byte l8 = (byte) nearestInt(iscale * scales[j]); // int8_t
                    int l = Math.max(-32, Math.min(31, l8)) + 32;
                    if (j < 8) {
                        sc[j] = l & 0xF;
                    } else {
                        sc[j - 8] |= ((l & 0xF) << 4);
                    }
                    l >>= 4;
                    sc[j % 4 + 8] |= (l << (2 * (j / 4)));
                }
                d16 = fp16(1 / iscale);
            } else {
                d16 = fp16(0.f);
            }
            for (int j = 0; j < 16; ++j) {
                int s = j < 8 ? sc[j] & 0xF : sc[j - 8] >> 4;
                s = (s | (((sc[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
                float d = fp32(d16) * s;
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ++ii) {
                    int l = nearestInt(x[xo + 16 * j + ii] / d);
                    l = Math.max(-4, Math.min(3, l));
                    L[16 * j + ii] = l + 4;
                }
            }
            int m = 0;
            int hm = 1;
            for (int j = 0; j < 256; ++j) {
                if (L[j] > 3) {
                    out[base + m] |= (byte) hm;
                    L[j] -= 4;
                }
                if (++m == 32) {
                    m = 0;
                    hm <<= 1;
                }
            }
            packQs(L, out, base + 32);
            for (int k = 0; k < 12; k++) out[base + 96 + k] = (byte) sc[k];
            putHalf(out, base + 108, d16);
        }
        return out;
    }

    /**
     * quantize_row_iq4_xs_ref: quantize_row_iq4_nl_impl(256, 32, 16, ..., no quant weights, ntry 7) into
     * block_iq4_xs { half d; u16 scales_h; u8 scales_l[4]; u8 qs[128]; }.
     */
    static byte[] quantizeIQ4XS(float[] xall) {
        int[] values = KQuantReference.KVALUES;
        int ntry = 7;
        int nbl = xall.length / 256;
        byte[] out = new byte[nbl * 136];
        int[] L = new int[256];
        float[] weight = new float[32];
        float[] scales = new float[8];
        for (int ibl = 0; ibl < nbl; ibl++) {
            int x0 = 256 * ibl;
            int base = 136 * ibl;
            float maxScale = 0, amaxScale = 0;
            for (int ib = 0; ib < 8; ++ib) {
                int xb = x0 + 32 * ib;
                for (int j = 0; j < 32; ++j) weight[j] = xall[xb + j] * xall[xb + j];
                float amax = 0, max = 0;
                for (int j = 0; j < 32; ++j) {
                    float ax = Math.abs(xall[xb + j]);
                    if (ax > amax) {
                        amax = ax;
                        max = xall[xb + j];
                    }
                }
                if (amax < 1e-15f) {
                    scales[ib] = 0;
                    for (int j = 0; j < 32; ++j) L[32 * ib + j] = 0;
                    continue;
                }
                float d = ntry > 0 ? -max / values[0] : max / values[0];
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < 32; ++j) {
                    float al = id * xall[xb + j];
                    int l = bestIndexInt8(16, values, al);
                    L[32 * ib + j] = l;
                    float q = values[l];
                    float w = weight[j];
                    sumqx += w * q * xall[xb + j];
                    sumq2 += w * q * q;
                }
                d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
                float best = d * sumqx;
                for (int itry = -ntry; itry <= ntry; ++itry) {
                    id = (itry + values[0]) / max;
                    sumqx = sumq2 = 0;
                    for (int j = 0; j < 32; ++j) {
                        float al = id * xall[xb + j];
                        int l = bestIndexInt8(16, values, al);
                        float q = values[l];
                        float w = weight[j];
                        sumqx += w * q * xall[xb + j];
                        sumq2 += w * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scales[ib] = d;
                float absD = Math.abs(d);
                if (absD > amaxScale) {
                    amaxScale = absD;
                    maxScale = d;
                }
            }
            int scalesH = 0;
            int[] scalesL = new int[4];
            float d = -maxScale / 32;
            putHalf(out, base, fp16(d));
            float id = d != 0 ? 1 / d : 0.f;
            for (int ib = 0; ib < 8; ++ib) {
                int l = nearestInt(id * scales[ib]);
                l = Math.max(-32, Math.min(31, l));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0.f;
                for (int j = 0; j < 32; ++j) L[32 * ib + j] = bestIndexInt8(16, values, idl * xall[x0 + 32 * ib + j]);
                l += 32;
                int lLow = l & 0xf;
                int lHigh = l >> 4;
                if (ib % 2 == 0) scalesL[ib / 2] = lLow;
                else scalesL[ib / 2] |= (lLow << 4);
                scalesH |= (lHigh << 2 * (ib % 8));
            }
            out[base + 2] = (byte) scalesH;
            out[base + 3] = (byte) (scalesH >> 8);
            for (int k = 0; k < 4; k++) out[base + 4 + k] = (byte) scalesL[k];
            for (int i = 0; i < 8; ++i) {
                for (int j = 0; j < 16; ++j) out[base + 8 + 16 * i + j] = (byte) (L[32 * i + j] | (L[32 * i + 16 + j] << 4));
            }
        }
        return out;
    }
}
