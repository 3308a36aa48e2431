package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.F;
import static io.qwen4j.quant.LegacyBlocks.LE_INT;
import static io.qwen4j.quant.LegacyBlocks.blockDot;
import static io.qwen4j.quant.LegacyBlocks.fifthBitsMinus16;
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
 * Q5_0: blocks of 32 elements, {@code fp16 d}, a little-endian 32-bit {@code qh} whose bit {@code j} is
 * the fifth bit of element {@code j}, then 16 bytes of low nibbles laid out as in Q4_0; element value is
 * {@code (q - 16) * d}. 5.5 bits per weight. The quantizer maps the element of largest magnitude to -16.
 */
final class Q5_0Format extends LegacyFormat {

    private static final int BLOCK_BYTES = 22;
    private static final byte OFFSET = 16;

    Q5_0Format() {
        super(MethodHandles.lookup());
    }

    @Override
    public TensorType type() {
        return TensorType.Q5_0;
    }

    /**
     * Batches of 2 row by row: {@code bench matmul --types q5_0 --batch 1,2,3}, batch 2 as a ratio to batch 1 with the
     * batched path, 0.90 (3072x1024, one thread) and 0.56 (16384x3072, two threads); batch 3 is ahead batched in cache.
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
            int qh = src.get(LE_INT, base + 2);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, base + 6 + j) & 0xFF;
                int low = (packed & 0x0F) | ((qh >>> j) & 1) << 4;
                int high = (packed >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[out + j] = (low - OFFSET) * d;
                dst[out + j + BLOCK / 2] = (high - OFFSET) * d;
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
            int qh = weights.get(LE_INT, base + 2);
            var first = loadBytes(weights, base + 6);
            var second = loadBytes(weights, base + 14);
            var sum = blockDot(
                    widen(lowNibbles(first).add(fifthBitsMinus16(qh, 0))),
                    widen(lowNibbles(second).add(fifthBitsMinus16(qh, 8))),
                    widen(highNibbles(first).add(fifthBitsMinus16(qh, 16))),
                    widen(highNibbles(second).add(fifthBitsMinus16(qh, 24))),
                    x, xOffset + block * BLOCK);
            acc = sum.fma(FloatVector.broadcast(F, half(weights, base)), acc);
        }
        return Lanes.sum(acc);
    }

    /** Codes of one row as floats, for the batched kernel. */
    private static void decodeRow(MemorySegment weights, long offset, int count,
                                  float[] codes, float[] scales) {
        weights = NativeSegments.TYPE.cast(weights);
        for (int block = 0, k = 0; k < count; block++, k += BLOCK) {
            long base = offset + (long) block * BLOCK_BYTES;
            int qh = weights.get(LE_INT, base + 2);
            var first = loadBytes(weights, base + 6);
            var second = loadBytes(weights, base + 14);
            widen(lowNibbles(first).add(fifthBitsMinus16(qh, 0))).intoArray(codes, k);
            widen(lowNibbles(second).add(fifthBitsMinus16(qh, 8))).intoArray(codes, k + 8);
            widen(highNibbles(first).add(fifthBitsMinus16(qh, 16))).intoArray(codes, k + 16);
            widen(highNibbles(second).add(fifthBitsMinus16(qh, 24))).intoArray(codes, k + 24);
            scales[block] = half(weights, base);
        }
    }

    /** ggml's {@code quantize_row_q5_0_ref}, operation for operation. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float d = LegacyBlocks.signedMax(src, in) / -16;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            int qh = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = Math.min(31, LegacyBlocks.toInt8(src[in + j] * id + 16.5f));
                int high = Math.min(31, LegacyBlocks.toInt8(src[in + j + BLOCK / 2] * id + 16.5f));
                dst.set(ValueLayout.JAVA_BYTE, base + 6 + j, (byte) ((low & 0x0F) | (high & 0x0F) << 4));
                qh |= (low >>> 4 & 1) << j | (high >>> 4 & 1) << (j + BLOCK / 2);
            }
            dst.set(LE_INT, base + 2, qh);
        }
    }
}
