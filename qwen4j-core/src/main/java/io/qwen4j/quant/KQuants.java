package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Helpers shared by the k-quant and IQ4 formats: reading block fields, ggml's rounding and the two
 * scale searches ({@code make_qkx2_quants}, {@code make_qx_quants}) of its reference quantizers.
 *
 * <p>Float operations are written in the same order as ggml's C so results are bit-identical to the
 * plain (non-FMA-contracted) C semantics; Java never fuses a multiply-add on its own.
 */
final class KQuants {

    /** Elements in a k-quant super-block. */
    static final int QK_K = 256;
    /** Below this a group counts as all zero (ggml's {@code GROUP_MAX_EPS}). */
    static final float GROUP_MAX_EPS = 1e-15f;
    /** The 16 non-linear levels of IQ4_NL and IQ4_XS ({@code kvalues_iq4nl}). */
    static final byte[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Lanes 0-3, then 0-3 again. */
    private static final VectorShuffle<Integer> FIRST_FOUR_TWICE = VectorShuffle.fromValues(Species.INTS, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final VectorMask<Integer> UPPER_FOUR = VectorMask.fromLong(Species.INTS, 0xF0);
    private static final float[] ONES = {1, 1, 1, 1, 1, 1, 1, 1};
    private static final float[] ODD_SIXTEENTHS = {1, 0.0625f, 1, 0.0625f, 1, 0.0625f, 1, 0.0625f};

    private KQuants() {
    }

    static float half(MemorySegment src, long offset) {
        return Float.float16ToFloat(src.get(LE_SHORT, offset));
    }

    static void putHalf(MemorySegment dst, long offset, float value) {
        dst.set(LE_SHORT, offset, Float.floatToFloat16(value));
    }

    static int u8(MemorySegment src, long offset) {
        return src.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /**
     * Round to nearest, ties to even, for |value| below 2^22: adding 1.5 * 2^23 pushes the fraction out
     * of the mantissa, so the FPU's own rounding does the work (ggml's {@code nearest_int}).
     */
    static int nearestInt(float value) {
        int bits = Float.floatToRawIntBits(value + 12582912f);
        return (bits & 0x007fffff) - 0x00400000;
    }

    /**
     * The 6-bit scale of sub-block {@code j} (0..7) from the 12 packed scale bytes at {@code scales}:
     * sub-blocks 0-3 keep theirs in the low 6 bits of bytes 0-3, sub-blocks 4-7 split theirs between a
     * low nibble of bytes 8-11 and the spare top bits of bytes 0-3 ({@code get_scale_min_k4}).
     */
    static int scaleK4(MemorySegment src, long scales, int j) {
        return j < 4
                ? u8(src, scales + j) & 63
                : (u8(src, scales + j + 4) & 0xF) | ((u8(src, scales + j - 4) >>> 6) << 4);
    }

    /** {@link #scaleK4} from the 12 scale bytes already read as a little-endian long (bytes 0-7) and int (8-11). */
    static int scaleK4(long bytes0to7, int bytes8to11, int j) {
        return j < 4
                ? (int) (bytes0to7 >>> (8 * j)) & 63
                : ((bytes8to11 >>> (8 * (j - 4))) & 0xF) | (((int) (bytes0to7 >>> (8 * (j - 4) + 6)) & 3) << 4);
    }

    /** {@link #minK4} from the 12 scale bytes read as in {@link #scaleK4(long, int, int)}. */
    static int minK4(long bytes0to7, int bytes8to11, int j) {
        return j < 4
                ? (int) (bytes0to7 >>> (8 * (j + 4))) & 63
                : ((bytes8to11 >>> (8 * (j - 4) + 4)) & 0xF) | (((int) (bytes0to7 >>> (8 * j + 6)) & 3) << 4);
    }

    /** The 6-bit min of sub-block {@code j}; the mins' counterpart of {@link #scaleK4}. */
    static int minK4(MemorySegment src, long scales, int j) {
        return j < 4
                ? u8(src, scales + j + 4) & 63
                : (u8(src, scales + j + 4) >>> 4) | ((u8(src, scales + j) >>> 6) << 4);
    }

    /**
     * The per-sub-block factors of a row of blocks with Q4_K's header ({@code d}, {@code dmin}, 12 bytes of
     * 6-bit scales and mins; Q4_K and Q5_K), {@code blockBytes} apart: {@code d * scale_j} (times
     * 1/16 for odd {@code j} if {@code oddSixteenth}: exact) at {@code factors[scalesAt + j]},
     * {@code -(dmin * min_j)} at {@code factors[minsAt + j]}.
     *
     * <p>Per block, in int lanes: scale bytes 0-7 and 4-11 widened, their first four lanes repeated, and the bit
     * operations of {@link #scaleK4} and {@link #minK4} done for all eight sub-blocks at once (lanes 0-3 and
     * 4-7 chosen by a blend). Why: this runs once per weight row for every single-row matmul; done field by
     * field it took as long as the row's dot (~145 of ~270 ns per 1024-weight Q4_K row), and with the fields
     * gathered in the bytes of two longs (91 instructions per block) still 40 % as long as the 16-lane dot
     * (JFR samples of a Q4_K_M decode). The products are the same, in the same order.
     */
    static void unpackK4Factors(MemorySegment w, long offset, int count, int blockBytes, boolean oddSixteenth,
                                float[] factors, int scalesAt, int minsAt) {
        w = NativeSegments.TYPE.cast(w);
        var odd = FloatVector.fromArray(FloatDots.F, oddSixteenth ? ODD_SIXTEENTHS : ONES, 0);
        // counted by an int: a long loop stepping by the parameter blockBytes made C2 rebuild the segment bounds checks
        // for every block (279 instructions a block in the machine code, 64 now; Q5_K batch 1 +7 %)
        for (int b = 0, blocks = count / QK_K; b < blocks; b++) {
            long block = offset + (long) b * blockBytes;
            int j = 8 * b;
            int head = w.get(LE_INT, block);
            float d = Float.float16ToFloat((short) head);
            float min = Float.float16ToFloat((short) (head >>> 16));
            var bytes0to7 = VectorBlockFormat.widen(w, block + 4);
            var bytes4to11 = VectorBlockFormat.widen(w, block + 8);
            // lanes 4-7 of bytes4to11 are bytes 8-11; the first four lanes repeated give bytes 0-3 (4-7) in lanes 4-7
            var first = bytes0to7.rearrange(FIRST_FOUR_TWICE);
            var second = bytes4to11.rearrange(FIRST_FOUR_TWICE);
            // sub-blocks 0-3: the low 6 bits; 4-7: a nibble of bytes 8-11 below the top 2 bits of bytes 0-7
            var scales = first.and(0x3F).blend(bytes4to11.and(0xF).or(first.lanewise(VectorOperators.LSHR, 2).and(0x30)), UPPER_FOUR);
            var mins = second.and(0x3F).blend(bytes4to11.lanewise(VectorOperators.LSHR, 4).and(0xF)
                    .or(second.lanewise(VectorOperators.LSHR, 2).and(0x30)), UPPER_FOUR);
            // convertShape here, not VectorBlockFormat.toFloats: the kernels inline this method (see toFloats16)
            ((FloatVector) scales.convertShape(VectorOperators.I2F, FloatDots.F, 0)).mul(d).mul(odd).intoArray(factors, scalesAt + j);
            ((FloatVector) mins.convertShape(VectorOperators.I2F, FloatDots.F, 0)).mul(min).neg().intoArray(factors, minsAt + j);
        }
    }

    /**
     * ggml's {@code make_qkx2_quants}: fits {@code x ≈ scale * L - min} with {@code L} in 0..nmax by
     * trying {@code nstep + 1} candidate inverse scales around {@code nmax / (max - min)} and keeping
     * the weighted least-squares fit with the smallest error. Writes the levels to {@code levels} and
     * the (non-negative) min to {@code mins[minIndex]}; returns the scale.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xOff, float[] weights, byte[] levels, int lOff,
                                float[] mins, int minIndex, byte[] levelsAux, float rmin, float rdelta, int nstep,
                                boolean useMad) {
        float min = x[xOff];
        float max = x[xOff];
        float sumW = weights[0];
        float sumX = sumW * x[xOff];
        for (int i = 1; i < n; i++) {
            float xi = x[xOff + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lOff + i] = 0;
            }
            mins[minIndex] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xOff + i] - min))));
            levels[lOff + i] = (byte) l;
            float diff = scale * l + min - x[xOff + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            mins[minIndex] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xOff + i] - min))));
                levelsAux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xOff + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * levelsAux[i] + thisMin - x[xOff + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(levelsAux, 0, levels, lOff, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minIndex] = -min;
        return scale;
    }

    /**
     * ggml's {@code make_qx_quants} without importance weights, for {@code rmseType} 1 (weights x²):
     * fits a signed scale so that {@code x ≈ scale * (L - nmax)} with {@code L} in 0..2*nmax-1, trying
     * 19 inverse scales around {@code -nmax / max} and keeping the best weighted fit.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xOff, byte[] levels, int lOff) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOff + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lOff + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOff + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            levels[lOff + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumLX += w * xi * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOff + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
                float w = xi * xi;
                sumLX += w * xi * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xOff + i]);
                    levels[lOff + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /**
     * ggml's {@code make_q3_quants} with {@code do_rmse}: levels {@code L - nmax} in -nmax..nmax-1 from
     * {@code -nmax / max}, then up to five passes that move single levels when that improves the
     * weighted (x²) least-squares fit. Writes {@code L} in 0..2*nmax-1; returns the scale.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xOff, byte[] levels, int lOff) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOff + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lOff + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        int[] l = new int[n];
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOff + i];
            l[i] = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            float w = xi * xi;
            sumLX += w * xi * l[i];
            sumL2 += w * l[i] * l[i];
        }
        for (int pass = 0; pass < 5; pass++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOff + i];
                float w = xi * xi;
                float slx = sumLX - w * xi * l[i];
                if (slx > 0) {
                    float sl2 = sumL2 - w * l[i] * l[i];
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(xi * sl2 / slx)));
                    if (newL != l[i]) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * sumL2 > sumLX * sumLX * sl2) {
                            l[i] = newL;
                            sumLX = slx;
                            sumL2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            levels[lOff + i] = (byte) (l[i] + nmax);
        }
        return sumL2 > 0 ? sumLX / sumL2 : 0f;
    }

    /** Packs 2-bit levels as Q2_K and Q3_K store them: weight {@code 128n + 32j + l} at bits 2j of byte {@code 32n + l}. */
    static void packTwoBits(byte[] levels, MemorySegment dst, long qs) {
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                int packed = (levels[j + l] & 3) | ((levels[j + l + 32] & 3) << 2) | ((levels[j + l + 64] & 3) << 4)
                        | ((levels[j + l + 96] & 3) << 6);
                dst.set(ValueLayout.JAVA_BYTE, qs + j / 4 + l, (byte) packed);
            }
        }
    }
}
