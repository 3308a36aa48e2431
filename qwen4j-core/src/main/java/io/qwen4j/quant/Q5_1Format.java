package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.F;
import static io.qwen4j.quant.LegacyBlocks.LE_INT;
import static io.qwen4j.quant.LegacyBlocks.blockDot;
import static io.qwen4j.quant.LegacyBlocks.fifthBits;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.highNibbles;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;
import static io.qwen4j.quant.LegacyBlocks.lowNibbles;
import static io.qwen4j.quant.LegacyBlocks.widen;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * Q5_1: blocks of 32 elements, {@code fp16 d}, {@code fp16 m}, a little-endian 32-bit {@code qh} of fifth
 * bits, then 16 bytes of low nibbles (layout as in Q5_0); element value is {@code q * d + m}. 6 bits per
 * weight. The quantizer spreads the block's [min, max] over 0..31. The kernels form each weight as
 * {@code fma(q, d, m)}, as Q4_1's do (exact for the same reason: a 5-bit integer times a half).
 */
final class Q5_1Format extends LegacyFormat {

    private static final int BLOCK_BYTES = 24;

    Q5_1Format() {
        super(MethodHandles.lookup());
    }

    @Override
    public TensorType type() {
        return TensorType.Q5_1;
    }

    /**
     * Batches of 2 row by row: {@code bench matmul --types q5_1 --batch 1,2,3}, batch 2 as a ratio to batch 1 with the
     * batched path, 0.94 (3072x1024, one thread) and 0.83 (16384x3072, two threads); batch 3 is ahead batched.
     */
    @Override
    public int rowByRowBatch() {
        return 2;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            float d = half(src, base);
            float m = half(src, base + 2);
            int qh = src.get(LE_INT, base + 4);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, base + 8 + j) & 0xFF;
                int low = (packed & 0x0F) | ((qh >>> j) & 1) << 4;
                int high = (packed >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[out + j] = low * d + m;
                dst[out + j + BLOCK / 2] = high * d + m;
            }
        }
    }

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        weights = NativeSegments.TYPE.cast(weights);
        LegacyBlocks.requireWholeBlocks(count);
        var acc = FloatVector.zero(F);
        for (int block = 0, blocks = count / BLOCK; block < blocks; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            var d = FloatVector.broadcast(F, half(weights, base));
            var m = FloatVector.broadcast(F, half(weights, base + 2));
            int qh = weights.get(LE_INT, base + 4);
            var first = loadBytes(weights, base + 8);
            var second = loadBytes(weights, base + 16);
            acc = blockDot(
                    widen(lowNibbles(first).or(fifthBits(qh, 0))).fma(d, m),
                    widen(lowNibbles(second).or(fifthBits(qh, 8))).fma(d, m),
                    widen(highNibbles(first).or(fifthBits(qh, 16))).fma(d, m),
                    widen(highNibbles(second).or(fifthBits(qh, 24))).fma(d, m),
                    x, xOffset + block * BLOCK).add(acc);
        }
        return Lanes.sum(acc);
    }

    /** The row's weights {@code fma(q, d, m)}, as dot computes them, for the batched kernel. */
    private static void decodeRow(MemorySegment weights, long offset, int count,
                                  float[] codes, float[] scales) {
        weights = NativeSegments.TYPE.cast(weights);
        for (int block = 0, k = 0; k < count; block++, k += BLOCK) {
            long base = offset + (long) block * BLOCK_BYTES;
            var d = FloatVector.broadcast(F, half(weights, base));
            var m = FloatVector.broadcast(F, half(weights, base + 2));
            int qh = weights.get(LE_INT, base + 4);
            var first = loadBytes(weights, base + 8);
            var second = loadBytes(weights, base + 16);
            widen(lowNibbles(first).or(fifthBits(qh, 0))).fma(d, m).intoArray(codes, k);
            widen(lowNibbles(second).or(fifthBits(qh, 8))).fma(d, m).intoArray(codes, k + 8);
            widen(highNibbles(first).or(fifthBits(qh, 16))).fma(d, m).intoArray(codes, k + 16);
            widen(highNibbles(second).or(fifthBits(qh, 24))).fma(d, m).intoArray(codes, k + 24);
            scales[block] = 1f; // d and m are already in the codes
        }
    }

    /** ggml's {@code quantize_row_q5_1_ref}, operation for operation (it has no MIN clip, unlike Q4_1). */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float min = LegacyBlocks.min(src, in);
            float max = LegacyBlocks.max(src, in);
            float d = (max - min) / 31;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            LegacyBlocks.putHalf(dst, base + 2, min);
            int qh = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                // C's (uint8_t) cast: the same low byte as (int8_t)
                int low = LegacyBlocks.toInt8((src[in + j] - min) * id + 0.5f) & 0xFF;
                int high = LegacyBlocks.toInt8((src[in + j + BLOCK / 2] - min) * id + 0.5f) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, base + 8 + j, (byte) ((low & 0x0F) | (high & 0x0F) << 4));
                qh |= (low >>> 4 & 1) << j | (high >>> 4 & 1) << (j + BLOCK / 2);
            }
            dst.set(LE_INT, base + 4, qh);
        }
    }
}
