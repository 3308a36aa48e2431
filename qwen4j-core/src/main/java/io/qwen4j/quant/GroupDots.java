package io.qwen4j.quant;

import static io.qwen4j.quant.FloatDots.F;

import io.qwen4j.simd.Lanes;
import jdk.incubator.vector.FloatVector;

/**
 * Dots over weights that stay integer-valued until a group of 32 is summed: the order of the formats whose
 * single-row kernel multiplies raw levels by x and applies the scale once per group ({@link Q4_0Format}).
 *
 * <p>A decoded row is a run of groups of {@link #GROUP_FLOATS} floats: 32 levels (four 8-lane vectors, in
 * the order the format's kernel extracts them) then an 8-lane scale vector. An activation row prepared
 * for it holds 32 floats per group, in the same order. Per group, per lane:
 * {@code p = w0 x0; p = fma(w1, x1, p); p = fma(w2, x2, p); p = fma(w3, x3, p); acc = fma(p, scale, acc)},
 * then {@link Lanes#sum} of {@code acc}. The fused kernel and the batched tile both do exactly that, so a
 * batched matmul equals one row dot per activation row bit for bit.
 *
 * <p>Why not {@link FloatDots}' order: there every weight is scaled before its FMA and two accumulators
 * take four FMAs per 32 weights, a dependency chain that set the pace of a one-row kernel. Scaling the
 * sum of a group instead leaves one FMA per group on the chain and no multiply per weight
 * (scratch, 1024x4096 Q4_0, one thread, five rounds: 13.9-15.6 -> 20.6-21.3 GFLOP/s).
 */
final class GroupDots {

    /** Weights per group. */
    static final int GROUP = 32;
    /** Floats per decoded group: its levels, then its scale vector. */
    static final int GROUP_FLOATS = GROUP + 8;
    /** Floats of the {@code sums} array {@link #tile} needs: six 8-lane accumulators. */
    static final int SUMS = 48;

    private GroupDots() {
    }

    /** The dot of a decoded row ({@code w} from {@code wAt}) and a prepared activation row, over {@code groups}. */
    static float dot(float[] w, int wAt, float[] x, int xAt, int groups) {
        var acc = FloatVector.zero(F);
        for (int g = 0; g < groups; g++) {
            int wi = wAt + g * GROUP_FLOATS;
            int xi = xAt + g * GROUP;
            var p = FloatVector.fromArray(F, w, wi).mul(FloatVector.fromArray(F, x, xi));
            p = FloatVector.fromArray(F, w, wi + 8).fma(FloatVector.fromArray(F, x, xi + 8), p);
            p = FloatVector.fromArray(F, w, wi + 16).fma(FloatVector.fromArray(F, x, xi + 16), p);
            p = FloatVector.fromArray(F, w, wi + 24).fma(FloatVector.fromArray(F, x, xi + 24), p);
            acc = p.fma(FloatVector.fromArray(F, w, wi + GROUP), acc);
        }
        return Lanes.sum(acc);
    }

    /**
     * Into {@code sums[0..5]}, as {@link Tile3x2#dot} orders them: w0·xa, w0·xb, w1·xa, w1·xb, w2·xa, w2·xb, each
     * {@link #dot}'s value, over {@code groups} from {@code from}.
     *
     * @param sums {@link #SUMS} floats: {@link #tile} leaves its accumulators there, then the six sums
     */
    static void dot3x2(float[] w0, float[] w1, float[] w2, float[] xa, float[] xb, int from, int groups, float[] sums) {
        tile(w0, w1, w2, xa, xb, from, groups, sums);
        // all six lane sums are read before any accumulator is written over (scalar: see Lanes.sum(float[], int))
        float s0 = Lanes.sum(sums, 0);
        float s1 = Lanes.sum(sums, 8);
        float s2 = Lanes.sum(sums, 16);
        float s3 = Lanes.sum(sums, 24);
        float s4 = Lanes.sum(sums, 32);
        float s5 = Lanes.sum(sums, 40);
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
        sums[4] = s4;
        sums[5] = s5;
    }

    /**
     * {@link #dot}'s accumulators for three decoded rows times two activation rows, stored into
     * {@code acc[0..47]}: row {@code i} with {@code xa} at {@code 16 i}, with {@code xb} at {@code 16 i + 8}.
     * 6 group sums + 6 accumulators + 2 activation vectors + 1 weight vector: 15 of AVX2's 16 registers.
     * Unrolled by hand and lane sums left to the caller, for C2 (see {@link Tile3x2}).
     */
    private static void tile(float[] w0, float[] w1, float[] w2, float[] xa, float[] xb, int from, int groups, float[] acc) {
        var a0 = FloatVector.zero(F);
        var b0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var b1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var b2 = FloatVector.zero(F);
        int end = from + groups * GROUP;
        for (int xi = from, wi = from; xi < end; xi += GROUP, wi += GROUP_FLOATS) {
            var s = FloatVector.fromArray(F, xa, xi);
            var t = FloatVector.fromArray(F, xb, xi);
            var w = FloatVector.fromArray(F, w0, wi);
            var pa0 = w.mul(s);
            var pb0 = w.mul(t);
            w = FloatVector.fromArray(F, w1, wi);
            var pa1 = w.mul(s);
            var pb1 = w.mul(t);
            w = FloatVector.fromArray(F, w2, wi);
            var pa2 = w.mul(s);
            var pb2 = w.mul(t);
            s = FloatVector.fromArray(F, xa, xi + 8);
            t = FloatVector.fromArray(F, xb, xi + 8);
            w = FloatVector.fromArray(F, w0, wi + 8);
            pa0 = w.fma(s, pa0);
            pb0 = w.fma(t, pb0);
            w = FloatVector.fromArray(F, w1, wi + 8);
            pa1 = w.fma(s, pa1);
            pb1 = w.fma(t, pb1);
            w = FloatVector.fromArray(F, w2, wi + 8);
            pa2 = w.fma(s, pa2);
            pb2 = w.fma(t, pb2);
            s = FloatVector.fromArray(F, xa, xi + 16);
            t = FloatVector.fromArray(F, xb, xi + 16);
            w = FloatVector.fromArray(F, w0, wi + 16);
            pa0 = w.fma(s, pa0);
            pb0 = w.fma(t, pb0);
            w = FloatVector.fromArray(F, w1, wi + 16);
            pa1 = w.fma(s, pa1);
            pb1 = w.fma(t, pb1);
            w = FloatVector.fromArray(F, w2, wi + 16);
            pa2 = w.fma(s, pa2);
            pb2 = w.fma(t, pb2);
            s = FloatVector.fromArray(F, xa, xi + 24);
            t = FloatVector.fromArray(F, xb, xi + 24);
            w = FloatVector.fromArray(F, w0, wi + 24);
            pa0 = w.fma(s, pa0);
            pb0 = w.fma(t, pb0);
            w = FloatVector.fromArray(F, w1, wi + 24);
            pa1 = w.fma(s, pa1);
            pb1 = w.fma(t, pb1);
            w = FloatVector.fromArray(F, w2, wi + 24);
            pa2 = w.fma(s, pa2);
            pb2 = w.fma(t, pb2);
            w = FloatVector.fromArray(F, w0, wi + GROUP);
            a0 = pa0.fma(w, a0);
            b0 = pb0.fma(w, b0);
            w = FloatVector.fromArray(F, w1, wi + GROUP);
            a1 = pa1.fma(w, a1);
            b1 = pb1.fma(w, b1);
            w = FloatVector.fromArray(F, w2, wi + GROUP);
            a2 = pa2.fma(w, a2);
            b2 = pb2.fma(w, b2);
        }
        a0.intoArray(acc, 0);
        b0.intoArray(acc, 8);
        a1.intoArray(acc, 16);
        b1.intoArray(acc, 24);
        a2.intoArray(acc, 32);
        b2.intoArray(acc, 40);
    }
}
