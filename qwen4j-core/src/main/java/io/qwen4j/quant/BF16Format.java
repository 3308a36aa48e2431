package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16: the top 16 bits of a binary32. Dequantization is a shift; quantization rounds to nearest
 * even and keeps NaNs quiet, like ggml's {@code ggml_compute_fp32_to_bf16}. One activation row: rows converted in
 * registers, in pairs with 16 lanes ({@link #rowsDotWide}); batches: rows converted once by {@link VectorBlockFormat},
 * multiplied in {@link FloatDots}' order. Both give the same bits.
 */
final class BF16Format extends VectorBlockFormat {

    private static final VectorSpecies<Float> F = Species.FLOATS;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = Species.INTS;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;
    private static final VectorSpecies<Short> SHORTS_16 = ShortVector.SPECIES_256;

    BF16Format() {
        // without 16 lanes, the inherited batch-1 loop: one dot per row
        super(Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), BF16Format.class, "rowsDotWide", KernelBarrier.ROWS_DOT) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.BF16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = toFloat(src, offset + 2L * i);
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int i = 0;
        for (int upper = F.loopBound(count); i < upper; i += F.length()) {
            toFloats(src, offset + 2L * i).intoArray(dst, dstOffset + i);
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = toFloat(src, offset + 2L * i);
        }
    }

    /** The value at {@code at}: its bits are the float's top half. */
    private static float toFloat(MemorySegment src, long at) {
        return Float.intBitsToFloat((src.get(LE_SHORT, at) & 0xFFFF) << 16);
    }

    /** Eight values at {@code at} as floats: widening sign-extends, but the shift pushes those bits out (bits << 16). */
    private static FloatVector toFloats(MemorySegment src, long at) {
        return ((IntVector) ShortVector.fromMemorySegment(S, src, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * {@link FloatDots#dot} of the row converted in registers: the same products added in the same order
     * ({@code acc0} every other 8 lanes, the lanes summed, then the tail in element order), so a batched matmul
     * (rows converted once, then {@link FloatDots}) gives the same bits, and so does {@link #twoRowsWide}. Converting
     * into the scratch row first cost a store and a load per weight ({@code bench matmul --types bf16 --batch 1 -t 1}:
     * ~17.8 GFLOP/s that way, ~19.4 converted in registers, ~46 with {@link #rowsDotWide}'s pairs).
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        return rowDot(weights, offset, x, xOffset, count);
    }

    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        weights = NativeSegments.TYPE.cast(weights);
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 16 <= count; i += 16) {
            acc0 = toFloats(weights, offset + 2L * i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            acc1 = toFloats(weights, offset + 2L * i + 16).fma(FloatVector.fromArray(F, x, xOffset + i + 8), acc1);
        }
        float sum = FloatDots.sum(acc0, acc1);
        for (; i < count; i++) {
            sum += toFloat(weights, offset + 2L * i) * x[xOffset + i];
        }
        return sum;
    }

    /**
     * Rows in pairs with 16-lane vectors ({@link #rowsDotInPairs}) when a row is whole 16-value chunks: one row's two
     * accumulator chains, each waiting on its FMA's latency, held a single activation row to about F32's ~28
     * GFLOP/s; two rows' chains side by side do not wait on each other. Rows with a tail take {@link #rowDot}.
     */
    private static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        if (count % 16 != 0) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[r] = rowDot(weights, offset + r * rowBytes, x, xOffset, count);
            }
            return;
        }
        rowsDotInPairs(BF16Format::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /** {@link #rowDot}'s {@code acc0} and {@code acc1} side by side in one 16-lane accumulator per row, the same FMAs in the same order. */
    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        for (int i = 0; i < count; i += 16) {
            var v = FloatVector.fromArray(WIDE, x, xOffset + i);
            a = toFloats16(weights, row + 2L * i).fma(v, a);
            b = toFloats16(weights, row + gap + 2L * i).fma(v, b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /** {@link #toFloats} for 16 values. */
    private static FloatVector toFloats16(MemorySegment src, long at) {
        return ((IntVector) ShortVector.fromMemorySegment(SHORTS_16, src, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < count; i++) {
            dst.set(LE_SHORT, dstOffset + 2L * i, toBf16(src[srcOffset + i]));
        }
    }

    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64); // quiet NaN
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }
}
