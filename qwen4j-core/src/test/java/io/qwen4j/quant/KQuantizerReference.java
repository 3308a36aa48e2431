package io.qwen4j.quant;

/**
 * Test-side transcription of ggml's reference k-quantizers ({@code quantize_row_q4_K_ref},
 * {@code _q5_K_ref}, {@code _q6_K_ref} with {@code make_qkx2_quants} / {@code make_qx_quants}), kept as
 * close to the C text as Java allows: block fields as arrays, C's float expression order, uint8/int8
 * truncation written out. Written separately from the main code so the two can disagree.
 */
final class KQuantizerReference {

    private KQuantizerReference() {
    }

    static int nearestInt(float fval) {
        float val = fval + 12582912.f;
        int i = Float.floatToRawIntBits(val);
        return (i & 0x007fffff) - 0x00400000;
    }

    static short fp16(float f) {
        return Float.floatToFloat16(f);
    }

    static float fp32(short h) {
        return Float.float16ToFloat(h);
    }

    /** Returns scale; the_min[0] receives the min. */
    static float makeQkx2(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo, float[] theMin,
                          int[] Laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; ++i) {
            if (x[xo + i] < min) min = x[xo + i];
            if (x[xo + i] > max) max = x[xo + i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; ++is) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                Laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; ++i) {
                    float diff = thisScale * Laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    for (int i = 0; i < n; ++i) L[lo + i] = Laux[i];
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /** make_qx_quants with rmse_type 1 and no quant weights. */
    static float makeQx(int n, int nmax, float[] x, int xo, int[] L, int lo) {
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
            L[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; ++is) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscale * x[xo + i]);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; ++i) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    static void putHalf(byte[] out, int at, short h) {
        out[at] = (byte) h;
        out[at + 1] = (byte) (h >> 8);
    }

    /** quantize_row_q4_K_ref (nmax 15) or quantize_row_q5_K_ref (nmax 31). */
    static byte[] quantizeQ45K(float[] x, boolean five) {
        int nb = x.length / 256;
        int blockBytes = five ? 176 : 144;
        int nmax = five ? 31 : 15;
        byte[] out = new byte[nb * blockBytes];
        int[] L = new int[256];
        int[] Laux = new int[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float[] theMin = new float[1];
        for (int i = 0; i < nb; i++) {
            int xo = 256 * i;
            int[] sc = new int[12]; // uint8 scales[12]
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; ++j) {
                float sumX2 = 0;
                for (int l = 0; l < 32; ++l) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; ++l) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
                scales[j] = five
                        ? makeQkx2(32, 31, x, xo + 32 * j, weights, L, 32 * j, theMin, Laux, -0.5f, 0.1f, 15, false)
                        : makeQkx2(32, 15, x, xo + 32 * j, weights, L, 32 * j, theMin, Laux, -1.f, 0.1f, 20, false);
                mins[j] = theMin[0];
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
            float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
            for (int j = 0; j < 8; ++j) {
                int ls = nearestInt(invScale * scales[j]) & 0xFF; // uint8_t
                int lm = nearestInt(invMin * mins[j]) & 0xFF;
                ls = Math.min(63, ls);
                lm = Math.min(63, lm);
                if (j < 4) {
                    sc[j] = ls;
                    sc[j + 4] = lm;
                } else {
                    sc[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                    sc[j - 4] |= ((ls >> 4) << 6);
                    sc[j] |= ((lm >> 4) << 6);
                }
            }
            short d16 = fp16(maxScale / 63.f);
            short dmin16 = fp16(maxMin / 63.f);
            byte[] scBytes = new byte[12];
            for (int k = 0; k < 12; k++) scBytes[k] = (byte) sc[k];
            for (int j = 0; j < 8; ++j) {
                int s = KQuantReference.scaleK4(scBytes, 0, j);
                int m = KQuantReference.minK4(scBytes, 0, j);
                float d = fp32(d16) * s;
                if (d == 0) continue;
                float dm = fp32(dmin16) * m;
                for (int ii = 0; ii < 32; ++ii) {
                    int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                    L[32 * j + ii] = Math.max(0, Math.min(nmax, l));
                }
            }
            int base = i * blockBytes;
            putHalf(out, base, d16);
            putHalf(out, base + 2, dmin16);
            System.arraycopy(scBytes, 0, out, base + 4, 12);
            if (!five) {
                for (int j = 0, q = base + 16; j < 256; j += 64, q += 32) {
                    for (int l = 0; l < 32; ++l) out[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
                }
            } else {
                int qh = base + 16;
                int ql = base + 48;
                int m1 = 1, m2 = 2;
                for (int n = 0; n < 256; n += 64) {
                    for (int j = 0; j < 32; ++j) {
                        int l1 = L[n + j];
                        if (l1 > 15) {
                            l1 -= 16;
                            out[qh + j] |= (byte) m1;
                        }
                        int l2 = L[n + j + 32];
                        if (l2 > 15) {
                            l2 -= 16;
                            out[qh + j] |= (byte) m2;
                        }
                        out[ql + j] = (byte) (l1 | (l2 << 4));
                    }
                    m1 <<= 2;
                    m2 <<= 2;
                    ql += 32;
                }
            }
        }
        return out;
    }

    /** quantize_row_q6_K_ref. */
    static byte[] quantizeQ6K(float[] x) {
        int nb = x.length / 256;
        byte[] out = new byte[nb * 210];
        int[] L = new int[256];
        float[] scales = new float[16];
        for (int i = 0; i < nb; i++) {
            int xo = 256 * i;
            int base = 210 * i;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ++ib) {
                float scale = makeQx(16, 32, x, xo + 16 * ib, L, 16 * ib);
                scales[ib] = scale;
                float absScale = Math.abs(scale);
                if (absScale > maxAbsScale) {
                    maxAbsScale = absScale;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < 1e-15f) {
                continue; // block stays all zero, d = +0
            }
            float iscale = -128.f / maxScale;
            short d16 = fp16(1 / iscale);
            putHalf(out, base + 208, d16);
            for (int ib = 0; ib < 16; ++ib) {
                out[base + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
            }
            for (int j = 0; j < 16; ++j) {
                float d = fp32(d16) * out[base + 192 + j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ++ii) {
                    int l = nearestInt(x[xo + 16 * j + ii] / d);
                    l = Math.max(-32, Math.min(31, l));
                    L[16 * j + ii] = l + 32;
                }
            }
            int ql = base;
            int qh = base + 128;
            for (int j = 0; j < 256; j += 128) {
                for (int l = 0; l < 32; ++l) {
                    int q1 = L[j + l] & 0xF;
                    int q2 = L[j + l + 32] & 0xF;
                    int q3 = L[j + l + 64] & 0xF;
                    int q4 = L[j + l + 96] & 0xF;
                    out[ql + l] = (byte) (q1 | (q3 << 4));
                    out[ql + l + 32] = (byte) (q2 | (q4 << 4));
                    out[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2)
                            | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
                }
                ql += 64;
                qh += 32;
            }
        }
        return out;
    }
}
