package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain little-endian IEEE-754 binary32. Batched kernels come from {@link VectorBlockFormat}: a row is
 * copied into the float scratch row and multiplied in {@link FloatDots}' order, like the other
 * unquantized formats; the one-row dot reads the segment directly in the same order.
 */
final class F32Format extends VectorBlockFormat {

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public TensorType type() {
        return TensorType.F32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        MemorySegment.copy(src, LE_FLOAT, offset, dst, dstOffset, count);
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        // typed here: the reference dequantize it runs reads the segment and takes any kind
        src = NativeSegments.TYPE.cast(src);
        dequantize(src, offset, dst, dstOffset, count);
    }

    /**
     * One row straight from the segment, in {@link FloatDots}' order: copying it to the scratch row first
     * (the inherited dot) ran at 13.8 instead of 21.7 GFLOP/s (`bench matmul --types f32`, batch 1).
     * Batches use the inherited matmul: one copy per row, four tokens per pass.
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
        MemorySegment.copy(src, srcOffset, dst, LE_FLOAT, dstOffset, count);
    }
}
