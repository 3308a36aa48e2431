package io.qwen4j.quant;

import static io.qwen4j.quant.FloatDots.F;

import io.qwen4j.simd.Lanes;
import jdk.incubator.vector.FloatVector;

/**
 * {@link FloatDots#dot} of three weight rows with two activation rows at once: six sums, each with
 * {@link FloatDots}' two accumulators in its order, so every result equals one dot bit for bit.
 *
 * <p>Why three rows: the two-rows-by-two tile it replaced loaded one vector per FMA, and loads set its pace.
 * Here the two activation vectors of a step serve three weight rows: 5 loads per 6 FMAs, in 12 accumulators
 * + 2 activation vectors + 1 weight vector = 15 of AVX2's 16 registers. A C loop of the two tiles (gcc -O2,
 * 1024 floats, batch 32, scratch) ran 48-51 vs 57-62 GFLOP/s; this Java one, 68-73 vs 75-76 in a scratch
 * harness on the same box. A fourth weight row or activation row would need 16 accumulators.
 *
 * <p>Written for C2 (measured on the 2x2 tile, F32 batch 32, one thread): the loop body unrolled twice by
 * hand and every row an array of its own took it from 31-45 to 56-61 GFLOP/s, and rows starting on a
 * 32-byte boundary ({@link FloatDots#LEAD}) added ~15 %. With rows at offsets of one shared array each load
 * kept a range check with its own address arithmetic; C2's own unrolling of a counted loop went four deep
 * and spilled registers. The lane sums stay outside {@link #accumulate}: inside, C2's parse passed its node
 * cutoff, left a {@link FloatDots#sum} call out of line and boxed vectors for it (batched Q4_K at 1 GFLOP/s).
 */
final class Tile3x2 {

    /** Floats of the {@code out} array {@link #dot} needs: twelve 8-lane accumulators. */
    static final int SUMS = 96;

    private Tile3x2() {
    }

    /**
     * Into {@code out[0..5]}: w0·xa, w0·xb, w1·xa, w1·xb, w2·xa, w2·xb over {@code n} floats from {@code from}.
     *
     * @param out {@link #SUMS} floats: {@link #accumulate} leaves its accumulators there, then the six sums
     */
    static void dot(float[] w0, float[] w1, float[] w2, float[] xa, float[] xb, int from, int n, float[] out) {
        java.util.Arrays.fill(out, 0, SUMS, 0f);
        accumulate(w0, w1, w2, xa, xb, from, n - n % 16, out, 0);
        sums(w0, w1, w2, xa, xb, from, n, out, 0);
    }

    /**
     * The six sums of a tile whose {@link #accumulate} calls covered the vector part of {@code n} floats from
     * {@code from}: the lane sums of its accumulators ({@code acc[at..at+95]}), then the scalar tail of the
     * last {@code n % 16} floats, into {@code acc[at..at+5]} in {@link #dot}'s order.
     */
    static void sums(float[] w0, float[] w1, float[] w2, float[] xa, float[] xb, int from, int n, float[] acc, int at) {
        float s0 = Lanes.sumOfTwo(acc, at);
        float s1 = Lanes.sumOfTwo(acc, at + 16);
        float s2 = Lanes.sumOfTwo(acc, at + 32);
        float s3 = Lanes.sumOfTwo(acc, at + 48);
        float s4 = Lanes.sumOfTwo(acc, at + 64);
        float s5 = Lanes.sumOfTwo(acc, at + 80);
        int end = from + n;
        for (int i = from + n - n % 16; i < end; i++) {
            s0 += w0[i] * xa[i];
            s1 += w0[i] * xb[i];
            s2 += w1[i] * xa[i];
            s3 += w1[i] * xb[i];
            s4 += w2[i] * xa[i];
            s5 += w2[i] * xb[i];
        }
        acc[at] = s0;
        acc[at + 1] = s1;
        acc[at + 2] = s2;
        acc[at + 3] = s3;
        acc[at + 4] = s4;
        acc[at + 5] = s5;
    }

    /**
     * Continues a tile's twelve accumulators, stored in {@code acc[at..at+95]} (two per sum, sum {@code k} at
     * {@code at + 16k}), over {@code n} floats from {@code from}, {@code n} a multiple of 16, and stores them
     * back. Calls over consecutive ranges that start at multiples of 16 floats make the same FMAs in the same
     * order as one call over the whole, so a caller may take the columns in blocks. Unrolled twice by hand
     * and with the lane sums left to the caller, for C2 (see the class comment).
     */
    static void accumulate(float[] w0, float[] w1, float[] w2, float[] xa, float[] xb, int from, int n, float[] acc, int at) {
        var a0 = FloatVector.fromArray(F, acc, at);
        var a1 = FloatVector.fromArray(F, acc, at + 8);
        var b0 = FloatVector.fromArray(F, acc, at + 16);
        var b1 = FloatVector.fromArray(F, acc, at + 24);
        var c0 = FloatVector.fromArray(F, acc, at + 32);
        var c1 = FloatVector.fromArray(F, acc, at + 40);
        var d0 = FloatVector.fromArray(F, acc, at + 48);
        var d1 = FloatVector.fromArray(F, acc, at + 56);
        var e0 = FloatVector.fromArray(F, acc, at + 64);
        var e1 = FloatVector.fromArray(F, acc, at + 72);
        var f0 = FloatVector.fromArray(F, acc, at + 80);
        var f1 = FloatVector.fromArray(F, acc, at + 88);
        int i = from;
        int end = from + n;
        for (; i + 32 <= end; i += 32) {
            var s = FloatVector.fromArray(F, xa, i);
            var t = FloatVector.fromArray(F, xb, i);
            var p = FloatVector.fromArray(F, w0, i);
            a0 = p.fma(s, a0);
            b0 = p.fma(t, b0);
            p = FloatVector.fromArray(F, w1, i);
            c0 = p.fma(s, c0);
            d0 = p.fma(t, d0);
            p = FloatVector.fromArray(F, w2, i);
            e0 = p.fma(s, e0);
            f0 = p.fma(t, f0);
            s = FloatVector.fromArray(F, xa, i + 8);
            t = FloatVector.fromArray(F, xb, i + 8);
            p = FloatVector.fromArray(F, w0, i + 8);
            a1 = p.fma(s, a1);
            b1 = p.fma(t, b1);
            p = FloatVector.fromArray(F, w1, i + 8);
            c1 = p.fma(s, c1);
            d1 = p.fma(t, d1);
            p = FloatVector.fromArray(F, w2, i + 8);
            e1 = p.fma(s, e1);
            f1 = p.fma(t, f1);
            s = FloatVector.fromArray(F, xa, i + 16);
            t = FloatVector.fromArray(F, xb, i + 16);
            p = FloatVector.fromArray(F, w0, i + 16);
            a0 = p.fma(s, a0);
            b0 = p.fma(t, b0);
            p = FloatVector.fromArray(F, w1, i + 16);
            c0 = p.fma(s, c0);
            d0 = p.fma(t, d0);
            p = FloatVector.fromArray(F, w2, i + 16);
            e0 = p.fma(s, e0);
            f0 = p.fma(t, f0);
            s = FloatVector.fromArray(F, xa, i + 24);
            t = FloatVector.fromArray(F, xb, i + 24);
            p = FloatVector.fromArray(F, w0, i + 24);
            a1 = p.fma(s, a1);
            b1 = p.fma(t, b1);
            p = FloatVector.fromArray(F, w1, i + 24);
            c1 = p.fma(s, c1);
            d1 = p.fma(t, d1);
            p = FloatVector.fromArray(F, w2, i + 24);
            e1 = p.fma(s, e1);
            f1 = p.fma(t, f1);
        }
        if (i + 16 <= end) {
            var s = FloatVector.fromArray(F, xa, i);
            var t = FloatVector.fromArray(F, xb, i);
            var p = FloatVector.fromArray(F, w0, i);
            a0 = p.fma(s, a0);
            b0 = p.fma(t, b0);
            p = FloatVector.fromArray(F, w1, i);
            c0 = p.fma(s, c0);
            d0 = p.fma(t, d0);
            p = FloatVector.fromArray(F, w2, i);
            e0 = p.fma(s, e0);
            f0 = p.fma(t, f0);
            s = FloatVector.fromArray(F, xa, i + 8);
            t = FloatVector.fromArray(F, xb, i + 8);
            p = FloatVector.fromArray(F, w0, i + 8);
            a1 = p.fma(s, a1);
            b1 = p.fma(t, b1);
            p = FloatVector.fromArray(F, w1, i + 8);
            c1 = p.fma(s, c1);
            d1 = p.fma(t, d1);
            p = FloatVector.fromArray(F, w2, i + 8);
            e1 = p.fma(s, e1);
            f1 = p.fma(t, f1);
        }
        a0.intoArray(acc, at);
        a1.intoArray(acc, at + 8);
        b0.intoArray(acc, at + 16);
        b1.intoArray(acc, at + 24);
        c0.intoArray(acc, at + 32);
        c1.intoArray(acc, at + 40);
        d0.intoArray(acc, at + 48);
        d1.intoArray(acc, at + 56);
        e0.intoArray(acc, at + 64);
        e1.intoArray(acc, at + 72);
        f0.intoArray(acc, at + 80);
        f1.intoArray(acc, at + 88);
    }
}
