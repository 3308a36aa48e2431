package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: blocks of 32 elements, {@code fp16 d} then 32 signed bytes {@code q}; element {@code j} is
 * {@code q[j] * d}. 8.5 bits per weight. The quantizer maps the block's largest magnitude to 127.
 *
 * <p>The kernels multiply the weights themselves, {@code q * d}, which are exact in float (8 by 11
 * significant bits), in {@link FloatDots}' order: a row gives what the same values stored as F32 give,
 * and the batched matmul is {@link FloatDots}' 2x2 kernel over decoded rows. Measured against scaling
 * each block's sum by {@code d} (ggml's way, kept by the other legacy formats), on 1024x1024, one
 * thread: single-row dot 14-15 -> 16-18 GFLOP/s, batch 32 35 -> 47-52.
 */
final class Q8_0Format extends VectorBlockFormat {

    private static final int BLOCK_BYTES = 34;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;

    Q8_0Format() {
        super(KernelBarrier.find(MethodHandles.lookup(), Q8_0Format.class, Species.WIDE ? "rowsDotWide" : "rowsDot", KernelBarrier.ROWS_DOT),
                KernelBarrier.find(MethodHandles.lookup(), Q8_0Format.class, "rowsDotPair", KernelBarrier.ROWS_DOT_PAIR));
    }

    @Override
    public TensorType type() {
        return TensorType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            float d = half(src, base);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK; j++) {
                dst[out + j] = src.get(ValueLayout.JAVA_BYTE, base + 2 + j) * d;
            }
        }
    }

    /**
     * 16 lanes at a time with {@link Species#WIDE} ({@link #decodeWide}), else 8: the same products either way. A
     * quantized KV cache reads every cached head through here once per decode step.
     */
    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        if (Species.WIDE) {
            decodeWide(src, offset, dst, dstOffset, count);
            return;
        }
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float d = half(src, base);
            LegacyBlocks.widen(loadBytes(src, base + 2)).mul(d).intoArray(dst, dstOffset + k);
            LegacyBlocks.widen(loadBytes(src, base + 10)).mul(d).intoArray(dst, dstOffset + k + 8);
            LegacyBlocks.widen(loadBytes(src, base + 18)).mul(d).intoArray(dst, dstOffset + k + 16);
            LegacyBlocks.widen(loadBytes(src, base + 26)).mul(d).intoArray(dst, dstOffset + k + 24);
        }
    }

    private static void decodeWide(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float d = half(src, base);
            toFloats16(widen16(src, base + 2)).mul(d).intoArray(dst, dstOffset + k);
            toFloats16(widen16(src, base + 18)).mul(d).intoArray(dst, dstOffset + k + 16);
        }
    }

    /** {@link #rowDot} of each row in {@code [rowStart, rowEnd)}: the {@link KernelBarrier#ROWS_DOT} kernel without {@link Species#WIDE}. */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(weights, offset + r * rowBytes, x, xOffset, count);
        }
    }

    /** {@link #rowsDot} with 16-lane vectors ({@link #twoRowsWide}), the {@link KernelBarrier#ROWS_DOT} kernel with {@link Species#WIDE}: the same bits. */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(Q8_0Format::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * The accumulators of two rows ({@code row} and {@code row + gap}) into {@code lanes[0..15]} and
     * {@code lanes[16..31]}. One 16-lane accumulator per row is {@link #rowDot}'s two 8-lane ones side by side:
     * lane {@code l < 8} takes elements {@code l, l + 16, ...}, lane {@code 8 + l} elements {@code 8 + l, 24 + l, ...},
     * each by the same FMAs in the same order, and {@link Lanes#sumOfTwo} adds them as {@link FloatDots#sum}
     * does. Two rows, as one row's accumulator chain of FMA latencies would set the pace. The lanes are
     * summed by the caller: the vector sum here put the kernel past C2's node budget and boxed its vectors.
     */
    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        int blocks = count / BLOCK;
        for (int k = 0; k < blocks; k++) {
            long base = row + k * (long) BLOCK_BYTES;
            var da = FloatVector.broadcast(WIDE, half(weights, base));
            var db = FloatVector.broadcast(WIDE, half(weights, base + gap));
            int i = xOffset + k * BLOCK;
            var v = FloatVector.fromArray(WIDE, x, i);
            a = toFloats16(widen16(weights, base + 2)).mul(da).fma(v, a);
            b = toFloats16(widen16(weights, base + gap + 2)).mul(db).fma(v, b);
            v = FloatVector.fromArray(WIDE, x, i + 16);
            a = toFloats16(widen16(weights, base + 18)).mul(da).fma(v, a);
            b = toFloats16(widen16(weights, base + gap + 18)).mul(db).fma(v, b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * {@link #rowDot} of each row in {@code [rowStart, rowEnd)} with two activation rows, the {@link KernelBarrier#ROWS_DOT_PAIR}
     * kernel: each weight vector {@code q * d} is widened once and multiplied into both rows' accumulators, the
     * same operations per activation row as {@link #rowDot}, so the same bits. Why: two concurrent streams
     * decode as a batch of 2, which the decoded-rows tile ran at 31.9 GFLOP/s against 26.7 for one row
     * ({@code bench matmul --types q8_0 --batch 1,2 -t 1}); widening is most of a one-row dot's work.
     */
    private static void rowsDotPair(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset,
                                    int count, float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        weights = NativeSegments.TYPE.cast(weights);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            var a0 = FloatVector.zero(F);
            var a1 = FloatVector.zero(F);
            var b0 = FloatVector.zero(F);
            var b1 = FloatVector.zero(F);
            for (int k = 0; k < count; k += BLOCK) {
                long base = row + (long) (k / BLOCK) * BLOCK_BYTES;
                var d = FloatVector.broadcast(F, half(weights, base));
                int i = xOffset + k;
                var w = LegacyBlocks.widen(loadBytes(weights, base + 2)).mul(d);
                a0 = w.fma(FloatVector.fromArray(F, x, i), a0);
                b0 = w.fma(FloatVector.fromArray(F, y, i), b0);
                w = LegacyBlocks.widen(loadBytes(weights, base + 10)).mul(d);
                a1 = w.fma(FloatVector.fromArray(F, x, i + 8), a1);
                b1 = w.fma(FloatVector.fromArray(F, y, i + 8), b1);
                w = LegacyBlocks.widen(loadBytes(weights, base + 18)).mul(d);
                a0 = w.fma(FloatVector.fromArray(F, x, i + 16), a0);
                b0 = w.fma(FloatVector.fromArray(F, y, i + 16), b0);
                w = LegacyBlocks.widen(loadBytes(weights, base + 26)).mul(d);
                a1 = w.fma(FloatVector.fromArray(F, x, i + 24), a1);
                b1 = w.fma(FloatVector.fromArray(F, y, i + 24), b1);
            }
            out[outAt + r] = FloatDots.sum(a0, a1);
            out[outAt + outStride + r] = FloatDots.sum(b0, b1);
        }
    }

    /**
     * {@link FloatDots#dot}'s FMAs over the decoded weights {@code q * d}, decoded in registers: elements
     * 0-7 and 16-23 of each block into accumulator 0, 8-15 and 24-31 into 1.
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        weights = NativeSegments.TYPE.cast(weights);
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            var d = FloatVector.broadcast(F, half(weights, base));
            acc0 = LegacyBlocks.widen(loadBytes(weights, base + 2)).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k), acc0);
            acc1 = LegacyBlocks.widen(loadBytes(weights, base + 10)).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + 8), acc1);
            acc0 = LegacyBlocks.widen(loadBytes(weights, base + 18)).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + 16), acc0);
            acc1 = LegacyBlocks.widen(loadBytes(weights, base + 26)).mul(d).fma(FloatVector.fromArray(F, x, xOffset + k + 24), acc1);
        }
        return FloatDots.sum(acc0, acc1);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q8_0_ref}, operation for operation. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(src[in + j]));
            }
            float d = amax / 127;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            for (int j = 0; j < BLOCK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) LegacyBlocks.toInt8(LegacyBlocks.roundHalfAwayFromZero(src[in + j] * id)));
            }
        }
    }
}
