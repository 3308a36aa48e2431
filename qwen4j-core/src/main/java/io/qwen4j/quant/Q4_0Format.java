package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.F;
import static io.qwen4j.quant.LegacyBlocks.blockDot;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.highNibbles;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;
import static io.qwen4j.quant.LegacyBlocks.lowNibbles;
import static io.qwen4j.quant.LegacyBlocks.widen;

import io.qwen4j.simd.Lanes;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * Q4_0: blocks of 32 elements, {@code fp16 d} then 16 bytes of nibbles. Byte {@code j} holds element
 * {@code j} in its low nibble and element {@code j + 16} in its high nibble; element value is
 * {@code (nibble - 8) * d}. 4.5 bits per weight. The quantizer maps the element of largest magnitude
 * (with its sign) to -8, so the other end of the range, +8, is clipped to 7.
 */
final class Q4_0Format extends LegacyFormat {

    private static final int BLOCK_BYTES = 18;
    private static final byte OFFSET = 8;

    Q4_0Format() {
        super(MethodHandles.lookup());
    }

    @Override
    public TensorType type() {
        return TensorType.Q4_0;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            float d = half(src, base);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xFF;
                dst[out + j] = ((packed & 0x0F) - OFFSET) * d;
                dst[out + j + BLOCK / 2] = ((packed >>> 4) - OFFSET) * d;
            }
        }
    }

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        var acc = FloatVector.zero(F);
        for (int block = 0, blocks = count / BLOCK; block < blocks; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            var first = loadBytes(weights, base + 2);   // bytes 0-7: elements 0-7 and 16-23
            var second = loadBytes(weights, base + 10); // bytes 8-15: elements 8-15 and 24-31
            var sum = blockDot(widen(lowNibbles(first).sub(OFFSET)), widen(lowNibbles(second).sub(OFFSET)),
                    widen(highNibbles(first).sub(OFFSET)), widen(highNibbles(second).sub(OFFSET)),
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
            var first = loadBytes(weights, base + 2);
            var second = loadBytes(weights, base + 10);
            widen(lowNibbles(first).sub(OFFSET)).intoArray(codes, k);
            widen(lowNibbles(second).sub(OFFSET)).intoArray(codes, k + 8);
            widen(highNibbles(first).sub(OFFSET)).intoArray(codes, k + 16);
            widen(highNibbles(second).sub(OFFSET)).intoArray(codes, k + 24);
            scales[block] = half(weights, base);
        }
    }

    /** ggml's {@code quantize_row_q4_0_ref}, operation for operation. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float d = LegacyBlocks.signedMax(src, in) / -8;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            for (int j = 0; j < BLOCK / 2; j++) {
                // + 8.5 then truncation rounds to nearest; MIN clips the +8 end of the range
                int low = Math.min(15, LegacyBlocks.toInt8(src[in + j] * id + 8.5f));
                int high = Math.min(15, LegacyBlocks.toInt8(src[in + j + BLOCK / 2] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) (low | high << 4));
            }
        }
    }
}
