package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * One tensor storage format: its block layout, a scalar reference dequantization, and the SIMD kernel
 * that multiplies rows of weights in this format by F32 activations.
 *
 * <p>Implementations keep the three side by side in one class per format (like ggml's
 * {@code quants.c} reference beside its arch-specific kernels), so a reader checks the SIMD path against
 * the reference in one file. Activations stay F32: the Vector API has no int8 dot product, and measured
 * here Q8_0 x F32 beats Q8_0 x Q8_0 (../shared/STACK-NOTES.md).
 *
 * <p>All offsets are in bytes into the segment; element counts must be whole blocks.
 */
public interface QuantFormat {

    TensorType type();

    /**
     * Scalar reference: dequantizes {@code count} elements starting at byte {@code offset} of {@code src}
     * into {@code dst[dstOffset ...]}, bit-identical to ggml's {@code dequantize_row_*}.
     */
    void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count);

    /**
     * {@link #dequantize}'s values, bit for bit, by the format's vector decoder where it has one (the scalar reference
     * otherwise): for hot paths that read stored blocks back as floats, such as a quantized KV cache. {@code src}
     * must be a native segment, as mapped weights are.
     */
    default void decodeToFloats(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        dequantize(src, offset, dst, dstOffset, count);
    }

    /** SIMD dot product of {@code count} weights at byte {@code offset} with {@code x[xOffset ...]}. */
    float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count);

    /**
     * Multiplies rows {@code [rowStart, rowEnd)} of a row-major weight matrix with {@code cols} columns
     * (starting at byte {@code offset}) by {@code batch} activation rows {@code x[b * cols ...]}, writing
     * {@code out[b * outStride + r]}. Each weight row is read once for the whole batch, which is what
     * makes prefill and batched decode cheaper than one token at a time. Formats override this with a
     * kernel that keeps a row's dequantized blocks in registers across the batch.
     */
    default void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                        float[] out, int outStride, int rowStart, int rowEnd) {
        long rowBytes = type().bytesFor(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long rowOffset = offset + r * rowBytes;
            for (int b = 0; b < batch; b++) {
                out[b * outStride + r] = dot(weights, rowOffset, x, b * cols, cols);
            }
        }
    }

    /**
     * Batches of 2 up to this size are multiplied one activation row at a time through the batch-1 path
     * ({@link SmallBatches}): where this format's batched path, for them, is slower than its one-row kernel run once
     * per row. 1: never.
     */
    default int rowByRowBatch() {
        return 1;
    }

    /** Whether {@link #quantize} is implemented (the reference quantizers qwen4j can write). */
    default boolean canQuantize() {
        return false;
    }

    /**
     * Reference quantization of {@code count} elements of {@code src[srcOffset ...]} into
     * {@code dst} at byte {@code dstOffset}, bit-identical to ggml's {@code quantize_row_*_ref}.
     */
    default void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        throw new UnsupportedOperationException("no quantizer for " + type());
    }
}
