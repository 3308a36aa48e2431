package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * IEEE-754 binary16. The JDK's {@link Float#float16ToFloat} is exact (every half is a float), and
 * {@link Float#floatToFloat16} rounds to nearest even like ggml's {@code GGML_FP32_TO_FP16}.
 *
 * <p>Kernels come from {@link VectorBlockFormat}: a row is converted to floats once and multiplied in
 * {@link FloatDots}' order, so a batched matmul converts each row once for the whole batch (one dot per
 * token converted it again for every token: 7.2 GFLOP/s at batch 8).
 */
final class F16Format extends VectorBlockFormat {

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    /** The reference conversion itself: C2 compiles its loop to F16C's {@code vcvtph2ps}, 8 lanes at a time. */
    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        // typed here: the reference dequantize it runs reads the segment and takes any kind
        src = NativeSegments.TYPE.cast(src);
        dequantize(src, offset, dst, dstOffset, count);
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
