package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16: the top 16 bits of a binary32. Dequantization is a shift; quantization rounds to nearest
 * even and keeps NaNs quiet, like ggml's {@code ggml_compute_fp32_to_bf16}.
 */
final class BF16Format implements QuantFormat {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
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

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        var acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(count); i < upper; i += F.length()) {
            // Widening sign-extends, but the shift pushes those bits out: the result is bits << 16.
            var halves = ShortVector.fromMemorySegment(S, weights, offset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            var w = ((IntVector) halves.convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, x, xOffset + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < count; i++) {
            sum += Float.intBitsToFloat((weights.get(LE_SHORT, offset + 2L * i) & 0xFFFF) << 16) * x[xOffset + i];
        }
        return sum;
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
