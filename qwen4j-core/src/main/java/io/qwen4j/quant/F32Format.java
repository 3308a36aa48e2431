package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Plain little-endian IEEE-754 binary32. */
final class F32Format implements QuantFormat {

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public TensorType type() {
        return TensorType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.get(LE_FLOAT, offset + 4L * i);
        }
    }

    /**
     * In {@link FloatDots}' order (two accumulators): one accumulator chain waited on FMA latency (about
     * 8-9 GFLOP/s per core, under the memory bandwidth for F32 weights).
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        return FloatDots.dot(weights, offset, x, xOffset, count);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < count; i++) {
            dst.set(LE_FLOAT, dstOffset + 4L * i, src[srcOffset + i]);
        }
    }
}
