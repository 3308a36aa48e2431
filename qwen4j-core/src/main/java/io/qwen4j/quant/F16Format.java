package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IEEE-754 binary16. The JDK's {@link Float#float16ToFloat} is exact (every half is a float), and
 * {@link Float#floatToFloat16} rounds to nearest even like ggml's {@code GGML_FP32_TO_FP16}.
 */
final class F16Format implements QuantFormat {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Converting a chunk at a time keeps the scratch buffer in L1 and lets the FMA loop vectorise. */
    private static final int CHUNK = 256;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    @Override
    public TensorType type() {
        return TensorType.F16;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(src.get(LE_SHORT, offset + 2L * i));
        }
    }

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        float[] w = SCRATCH.get();
        float sum = 0f;
        for (int start = 0; start < count; start += CHUNK) {
            int n = Math.min(CHUNK, count - start);
            dequantize(weights, offset + 2L * start, w, 0, n);
            var acc = FloatVector.zero(F);
            int i = 0;
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOffset + start + i), acc);
            }
            sum += Lanes.sum(acc);
            for (; i < n; i++) {
                sum += w[i] * x[xOffset + start + i];
            }
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
            dst.set(LE_SHORT, dstOffset + 2L * i, Float.floatToFloat16(src[srcOffset + i]));
        }
    }
}
