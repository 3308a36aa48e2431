package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16: the top 16 bits of a binary32. Dequantization is a shift; quantization rounds to nearest
 * even and keeps NaNs quiet, like ggml's {@code ggml_compute_fp32_to_bf16}. Kernels come from
 * {@link VectorBlockFormat}: rows converted once, multiplied in {@link FloatDots}' order.
 */
final class BF16Format extends VectorBlockFormat {

    private static final VectorSpecies<Float> F = Species.FLOATS;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = Species.INTS;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public TensorType type() {
        return TensorType.BF16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Float.intBitsToFloat((src.get(LE_SHORT, offset + 2L * i) & 0xFFFF) << 16);
        }
    }

    /** Eight lanes at a time: widening sign-extends, but the shift pushes those bits out (bits << 16). */
    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int i = 0;
        for (int upper = F.loopBound(count); i < upper; i += F.length()) {
            var halves = ShortVector.fromMemorySegment(S, src, offset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) halves.convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOffset + i);
        }
        for (; i < count; i++) {
            dst[dstOffset + i] = Float.intBitsToFloat((src.get(LE_SHORT, offset + 2L * i) & 0xFFFF) << 16);
        }
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
