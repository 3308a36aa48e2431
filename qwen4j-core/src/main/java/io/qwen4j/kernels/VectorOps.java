package io.qwen4j.kernels;

import io.qwen4j.simd.ColdStart;
import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and reduction kernels on F32 activations (Vector API), each with the scalar semantics of
 * its HF counterpart; the test tree checks each against a plain scalar loop.
 */
public final class VectorOps {

    private static final VectorSpecies<Float> F = Species.FLOATS;

    private VectorOps() {
    }

    /** {@code sum_i a[aOff + i] * b[bOff + i]}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        var acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * {@link #dot} of {@code a} with four rows of {@code b} (at {@code b0..b3}) into {@code out[outOff..outOff+3]},
     * each exactly as {@link #dot} computes it. Why: one dot is a chain of dependent FMAs that waits on FMA
     * latency; four interleaved chains keep both FMA units busy (attention scores, one per cached position).
     */
    public static void dot4(float[] a, int aOff, float[] b, int b0, int b1, int b2, int b3, int n, float[] out, int outOff) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        var acc2 = FloatVector.zero(F);
        var acc3 = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            var x = FloatVector.fromArray(F, a, aOff + i);
            acc0 = x.fma(FloatVector.fromArray(F, b, b0 + i), acc0);
            acc1 = x.fma(FloatVector.fromArray(F, b, b1 + i), acc1);
            acc2 = x.fma(FloatVector.fromArray(F, b, b2 + i), acc2);
            acc3 = x.fma(FloatVector.fromArray(F, b, b3 + i), acc3);
        }
        float s0 = Lanes.sum(acc0);
        float s1 = Lanes.sum(acc1);
        float s2 = Lanes.sum(acc2);
        float s3 = Lanes.sum(acc3);
        for (; i < n; i++) {
            s0 += a[aOff + i] * b[b0 + i];
            s1 += a[aOff + i] * b[b1 + i];
            s2 += a[aOff + i] * b[b2 + i];
            s3 += a[aOff + i] * b[b3 + i];
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /** {@code y[yOff + i] += alpha * x[xOff + i]}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        var a = FloatVector.broadcast(F, alpha);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /**
     * {@link #axpy} with {@code w0} and row {@code x0} of {@code x}, then {@code w1} and {@code x1}, {@code w2},
     * {@code w3}: the same operations per element in the same order, with {@code y} loaded and stored once
     * instead of four times (attention's weighted sum of cached values).
     */
    public static void axpy4(float w0, float w1, float w2, float w3, float[] x, int x0, int x1, int x2, int x3,
                             float[] y, int yOff, int n) {
        var a0 = FloatVector.broadcast(F, w0);
        var a1 = FloatVector.broadcast(F, w1);
        var a2 = FloatVector.broadcast(F, w2);
        var a3 = FloatVector.broadcast(F, w3);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            var acc = FloatVector.fromArray(F, x, x0 + i).fma(a0, FloatVector.fromArray(F, y, yOff + i));
            acc = FloatVector.fromArray(F, x, x1 + i).fma(a1, acc);
            acc = FloatVector.fromArray(F, x, x2 + i).fma(a2, acc);
            FloatVector.fromArray(F, x, x3 + i).fma(a3, acc).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += w0 * x[x0 + i];
            y[yOff + i] += w1 * x[x1 + i];
            y[yOff + i] += w2 * x[x2 + i];
            y[yOff + i] += w3 * x[x3 + i];
        }
    }

    /** {@code y[yOff + i] += x[xOff + i]} (residual connection). */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** {@code y[yOff + i] += a[aOff + i] * b[bOff + i]} (a depthwise convolution's tap over all channels). */
    public static void multiplyAdd(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i))
                    .add(FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a[aOff + i] * b[bOff + i];
        }
    }

    /** {@code out[outOff + i] = silu(x[xOff + i]) = x / (1 + e^-x)}; {@code out} may alias {@code x}. */
    public static void silu(float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0;
        var one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            var v = FloatVector.fromArray(F, x, xOff + i);
            v.div(one.add(Lanes.exp(v.neg()))).intoArray(out, outOff + i);
        }
        // the vector lanes' operations one element at a time: the same bits
        for (; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = v / (1f + Lanes.exp(-v));
        }
    }

    /** {@code x[xOff + i] *= s}. */
    public static void scale(float[] x, int xOff, float s, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).mul(s).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= s;
        }
    }

    /**
     * RMSNorm as HF computes it in float: {@code out = x * rsqrt(mean(x^2) + eps) * weight}.
     * {@code out} may alias {@code x}.
     */
    public static void rmsNorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n) {
        rmsNorm(x, xOff, weight, eps, out, outOff, n, !RMS_NORM_COLD.scalar(n));
    }

    /** {@link #rmsNorm} with its vector loops ({@code vector}) or their lanes one by one: the same bits. */
    static void rmsNorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n, boolean vector) {
        int i = 0;
        float sumSquares;
        if (vector) {
            var acc = FloatVector.zero(F);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                var v = FloatVector.fromArray(F, x, xOff + i);
                acc = v.fma(v, acc);
            }
            sumSquares = Lanes.sum(acc);
        } else {
            // the twins keep one float per vector lane: Species' 8 (Lanes.sum(float[], int) adds 8)
            float[] lanes = new float[F.length()];
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                for (int j = 0; j < F.length(); j++) {
                    float v = x[xOff + i + j];
                    lanes[j] = Math.fma(v, v, lanes[j]);
                }
            }
            sumSquares = Lanes.sum(lanes, 0);
        }
        for (; i < n; i++) {
            sumSquares += x[xOff + i] * x[xOff + i];
        }
        float inv = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        i = 0;
        if (vector) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, xOff + i).mul(inv).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[i];
        }
    }

    private static final ColdStart RMS_NORM_COLD = new ColdStart(ColdStart.DEFAULT_ELEMENTS);

    /** In-place numerically stable softmax over {@code x[off, off + n)}. */
    public static void softmax(float[] x, int off, int n) {
        float max = max(x, off, n);
        var maxV = FloatVector.broadcast(F, max);
        var acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            var e = FloatVector.fromArray(F, x, off + i).sub(maxV);
            e = Lanes.exp(e);
            e.intoArray(x, off + i);
            acc = e.add(acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, 1f / sum, n);
    }

    /**
     * {@code sum_i exp(x[off + i] - shift)}, the normaliser of a log-softmax over a whole vocabulary (with
     * {@code shift} = the maximum, every term is at most 1). Float vector partial sums over blocks of 512, added in
     * double: over 152k terms the relative error stays near 1e-7, far inside the 0.01 log-prob tolerance.
     */
    public static double sumExp(float[] x, int off, int n, float shift) {
        int step = 2 * F.length();
        int vectorEnd = n - n % step;
        double sum = SUM_EXP_COLD.scalar(n) ? sumExpScalar(x, off, vectorEnd, shift) : sumExpVector(x, off, vectorEnd, shift);
        for (int i = vectorEnd; i < n; i++) {
            sum += Math.exp(x[off + i] - shift);
        }
        return sum;
    }

    /** {@link #sumExp}'s part over {@code [0, end)}, {@code end} a multiple of two vectors. */
    static double sumExpVector(float[] x, int off, int end, float shift) {
        var s = FloatVector.broadcast(F, shift);
        int step = 2 * F.length();
        double sum = 0;
        int i = 0;
        // Float partial sums over at most EXP_SUM_BLOCK elements, then added in double.
        while (i < end) {
            var a0 = FloatVector.zero(F);
            var a1 = FloatVector.zero(F);
            for (int blockEnd = Math.min(end, i + EXP_SUM_BLOCK); i < blockEnd; i += step) {
                a0 = Lanes.exp(FloatVector.fromArray(F, x, off + i).sub(s)).add(a0);
                a1 = Lanes.exp(FloatVector.fromArray(F, x, off + i + F.length()).sub(s)).add(a1);
            }
            sum += Lanes.sum(a0.add(a1));
        }
        return sum;
    }

    /** {@link #sumExpVector}'s lanes one by one: the same partial sums, the same bits. */
    static double sumExpScalar(float[] x, int off, int end, float shift) {
        int width = F.length();
        float[] lanes = new float[2 * width]; // a0's lanes, then a1's
        double sum = 0;
        int i = 0;
        while (i < end) {
            java.util.Arrays.fill(lanes, 0f);
            for (int blockEnd = Math.min(end, i + EXP_SUM_BLOCK); i < blockEnd; i += 2 * width) {
                for (int j = 0; j < 2 * width; j++) {
                    lanes[j] += Lanes.exp(x[off + i + j] - shift);
                }
            }
            sum += Lanes.sumOfTwo(lanes, 0);
        }
        return sum;
    }

    private static final ColdStart SUM_EXP_COLD = new ColdStart(ColdStart.DEFAULT_ELEMENTS);

    private static final int EXP_SUM_BLOCK = 512;

    /** The largest of {@code x[off, off + n)}; {@code n > 0}. */
    public static float max(float[] x, int off, int n) {
        return max(x, off, n, !MAX_COLD.scalar(n));
    }

    /** {@link #max} with its vector loop ({@code vector}) or without it. */
    static float max(float[] x, int off, int n, boolean vector) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (vector && n >= F.length()) {
            var m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                m = FloatVector.fromArray(F, x, off + i).max(m);
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        // Math.max is exact, commutative and associative (NaN wins, +0 beats -0): any order, the same value.
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    private static final ColdStart MAX_COLD = new ColdStart(ColdStart.DEFAULT_ELEMENTS);

    /** SwiGLU in place: {@code gate[i] = silu(gate[i]) * up[i]}, {@code silu(g) = g / (1 + e^-g)}. */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        swiglu(gate, gateOff, up, upOff, n, !SWIGLU_COLD.scalar(n));
    }

    /** {@link #swiglu} with its vector loop ({@code vector}) or all of it in the scalar loop. */
    static void swiglu(float[] gate, int gateOff, float[] up, int upOff, int n, boolean vector) {
        int i = 0;
        if (vector) {
            var one = FloatVector.broadcast(F, 1f);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                var g = FloatVector.fromArray(F, gate, gateOff + i);
                var silu = g.div(one.add(Lanes.exp(g.neg())));
                silu.mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, gateOff + i);
            }
        }
        // the vector lanes' operations one element at a time: the same bits
        for (; i < n; i++) {
            float g = gate[gateOff + i];
            gate[gateOff + i] = g / (1f + Lanes.exp(-g)) * up[upOff + i];
        }
    }

    private static final ColdStart SWIGLU_COLD = new ColdStart(ColdStart.DEFAULT_ELEMENTS);

    /**
     * NEOX-style rotary embedding of one head in place (HF {@code q * cos + rotate_half(q) * sin}): element
     * {@code i} pairs with {@code i + half}, where {@code half = headDim / 2} and {@code cos}/{@code sin}
     * hold one angle per pair at {@code [tableOff, tableOff + half)}.
     */
    public static void rope(float[] x, int off, int half, float[] cos, float[] sin, int tableOff) {
        int i = 0;
        for (int upper = F.loopBound(half); i < upper; i += F.length()) {
            var x0 = FloatVector.fromArray(F, x, off + i);
            var x1 = FloatVector.fromArray(F, x, off + half + i);
            var c = FloatVector.fromArray(F, cos, tableOff + i);
            var s = FloatVector.fromArray(F, sin, tableOff + i);
            x0.mul(c).sub(x1.mul(s)).intoArray(x, off + i);
            x1.mul(c).add(x0.mul(s)).intoArray(x, off + half + i);
        }
        for (; i < half; i++) {
            float x0 = x[off + i];
            float x1 = x[off + half + i];
            float c = cos[tableOff + i];
            float s = sin[tableOff + i];
            x[off + i] = x0 * c - x1 * s;
            x[off + half + i] = x1 * c + x0 * s;
        }
    }

    /**
     * {@code dst[dstOff + i] = float(src[srcOff + i])} for IEEE half-precision bit patterns (an F16 KV
     * cache). A plain loop on purpose: C2 turns it into packed {@code vcvtph2ps}, which the Vector API
     * does not expose; callers then use the F32 kernels above on the converted row.
     */
    public static void halfToFloat(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[srcOff + i]);
        }
    }
}
