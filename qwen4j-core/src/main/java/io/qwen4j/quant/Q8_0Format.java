package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.F;
import static io.qwen4j.quant.LegacyBlocks.blockDot;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;
import static io.qwen4j.quant.LegacyBlocks.widen;

import io.qwen4j.simd.Lanes;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * Q8_0: blocks of 32 elements, {@code fp16 d} then 32 signed bytes {@code q}; element {@code j} is
 * {@code q[j] * d}. 8.5 bits per weight. The quantizer maps the block's largest magnitude to 127.
 */
final class Q8_0Format extends LegacyFormat {

    private static final int BLOCK_BYTES = 34;

    Q8_0Format() {
        super(MethodHandles.lookup());
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

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        var acc = FloatVector.zero(F);
        for (int block = 0, blocks = count / BLOCK; block < blocks; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            var sum = blockDot(widen(loadBytes(weights, base + 2)), widen(loadBytes(weights, base + 10)),
                    widen(loadBytes(weights, base + 18)), widen(loadBytes(weights, base + 26)),
                    x, xOffset + block * BLOCK);
            acc = sum.fma(FloatVector.broadcast(F, half(weights, base)), acc);
        }
        return Lanes.sum(acc);
    }

    /** Codes of one row as floats, for the batched kernel. */
    private static void decodeRow(MemorySegment weights, long offset, int count,
                                  float[] codes, float[] scales) {
        for (int block = 0, k = 0; k < count; block++, k += BLOCK) {
            long base = offset + (long) block * BLOCK_BYTES;
            widen(loadBytes(weights, base + 2)).intoArray(codes, k);
            widen(loadBytes(weights, base + 10)).intoArray(codes, k + 8);
            widen(loadBytes(weights, base + 18)).intoArray(codes, k + 16);
            widen(loadBytes(weights, base + 26)).intoArray(codes, k + 24);
            scales[block] = half(weights, base);
        }
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
