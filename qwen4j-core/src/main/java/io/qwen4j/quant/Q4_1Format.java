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
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * Q4_1: blocks of 32 elements, {@code fp16 d}, {@code fp16 m}, then 16 bytes of nibbles laid out as in
 * Q4_0; element value is {@code nibble * d + m}. 5 bits per weight. The quantizer spreads the block's
 * [min, max] over 0..15.
 *
 * <p>The kernels form each weight as {@code fma(q, d, m)} in registers and multiply it by x. That is
 * the dequantized value exactly: {@code q*d} is exact in float (a 4-bit integer times an 11-bit half),
 * so the fused and the reference {@code q*d + m} round once, identically.
 */
final class Q4_1Format extends LegacyFormat {

    private static final int BLOCK_BYTES = 20;

    Q4_1Format() {
        super(MethodHandles.lookup());
    }

    /**
     * Batches of 2 and 3 row by row: the batched path ran them slower than the one-row kernel runs each row ({@code
     * bench matmul --types q4_1 --batch 1,2,3 --rows 16384 --cols 3072}, from memory, batch 1 / 2 / 3: 21.8 / 12.8 / 19.1
     * GFLOP/s at one thread, 43.8 / 26.6 / 39.4 at two; batch 4 in cache beat batch 1 again).
     */
    @Override
    public int rowByRowBatch() {
        return 3;
    }

    @Override
    public TensorType type() {
        return TensorType.Q4_1;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            float d = half(src, base);
            float m = half(src, base + 2);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, base + 4 + j) & 0xFF;
                dst[out + j] = (packed & 0x0F) * d + m;
                dst[out + j + BLOCK / 2] = (packed >>> 4) * d + m;
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
            var first = loadBytes(weights, base + 4);
            var second = loadBytes(weights, base + 12);
            acc = blockDot(widen(lowNibbles(first)).fma(d, m), widen(lowNibbles(second)).fma(d, m),
                    widen(highNibbles(first)).fma(d, m), widen(highNibbles(second)).fma(d, m),
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
            var first = loadBytes(weights, base + 4);
            var second = loadBytes(weights, base + 12);
            widen(lowNibbles(first)).fma(d, m).intoArray(codes, k);
            widen(lowNibbles(second)).fma(d, m).intoArray(codes, k + 8);
            widen(highNibbles(first)).fma(d, m).intoArray(codes, k + 16);
            widen(highNibbles(second)).fma(d, m).intoArray(codes, k + 24);
            scales[block] = 1f; // d and m are already in the codes
        }
    }

    /** ggml's {@code quantize_row_q4_1_ref}, operation for operation. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float min = LegacyBlocks.min(src, in);
            float max = LegacyBlocks.max(src, in);
            float d = (max - min) / 15;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            LegacyBlocks.putHalf(dst, base + 2, min);
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = Math.min(15, LegacyBlocks.toInt8((src[in + j] - min) * id + 0.5f));
                int high = Math.min(15, LegacyBlocks.toInt8((src[in + j + BLOCK / 2] - min) * id + 0.5f));
                dst.set(ValueLayout.JAVA_BYTE, base + 4 + j, (byte) (low | high << 4));
            }
        }
    }
}
