package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: blocks of 32 elements, {@code fp16 d} then 16 bytes of nibbles. Byte {@code j} holds element
 * {@code j} in its low nibble and element {@code j + 16} in its high nibble; element value is
 * {@code (nibble - 8) * d}. 4.5 bits per weight. The quantizer maps the element of largest magnitude
 * (with its sign) to -8, so the other end of the range, +8, is clipped to 7.
 *
 * <p>The kernels multiply the weights themselves, {@code (q - 8) * d} (exact in float), in
 * {@link FloatDots}' order, as {@link Q8_0Format} does and for the same measured reason: the batched
 * matmul is then {@link FloatDots}' 2x2 kernel.
 */
final class Q4_0Format extends VectorBlockFormat {

    private static final int BLOCK_BYTES = 18;
    private static final byte OFFSET = 8;
    private static final VectorSpecies<Float> F = FloatDots.F;

    Q4_0Format() {
        super(KernelBarrier.find(MethodHandles.lookup(), Q4_0Format.class, "rowsDot", KernelBarrier.ROWS_DOT));
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
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float scale = half(src, base);
            var d = FloatVector.broadcast(F, scale);
            var dHigh = FloatVector.broadcast(F, scale * 0.0625f);
            var bias = FloatVector.broadcast(F, -8 * scale);
            var first = loadBytes(src, base + 2);   // bytes 0-7: elements 0-7 and 16-23
            var second = loadBytes(src, base + 10); // bytes 8-15: elements 8-15 and 24-31
            LegacyBlocks.widenUnsigned(first.and((byte) 0x0F)).fma(d, bias).intoArray(dst, dstOffset + k);
            LegacyBlocks.widenUnsigned(second.and((byte) 0x0F)).fma(d, bias).intoArray(dst, dstOffset + k + 8);
            LegacyBlocks.widenUnsigned(first.and((byte) 0xF0)).fma(dHigh, bias).intoArray(dst, dstOffset + k + 16);
            LegacyBlocks.widenUnsigned(second.and((byte) 0xF0)).fma(dHigh, bias).intoArray(dst, dstOffset + k + 24);
        }
    }

    /** {@link #rowDot} of each row in {@code [rowStart, rowEnd)}: the {@link KernelBarrier#ROWS_DOT} kernel. */
    private static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                                float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(weights, offset + r * rowBytes, x, xOffset, count);
        }
    }

    /**
     * {@link FloatDots#dot}'s FMAs over the decoded weights {@code (q - 8) * d}, decoded in registers:
     * elements 0-7 and 16-23 of each block into accumulator 0, 8-15 and 24-31 into 1. Each nibble stays
     * where it is ({@code b & 0x0F} is {@code q}, {@code b & 0xF0} is {@code 16 q}) and one FMA forms the
     * weight, {@code q * d - 8 d} or {@code 16 q * (d / 16) - 8 d}: the product is exact and so is the
     * result ({@code (q - 8) * d} needs 15 significant bits), as {@link #decode} forms it too, while the byte
     * shift and offset subtraction are gone (bench matmul Q4_0 batch 1, 3 rounds
     * alternated: 14.7 -> 15.1 GFLOP/s).
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float scale = half(weights, base);
            var d = FloatVector.broadcast(F, scale);
            var dHigh = FloatVector.broadcast(F, scale * 0.0625f);
            var bias = FloatVector.broadcast(F, -8 * scale);
            var first = loadBytes(weights, base + 2);
            var second = loadBytes(weights, base + 10);
            acc0 = LegacyBlocks.widenUnsigned(first.and((byte) 0x0F)).fma(d, bias).fma(FloatVector.fromArray(F, x, xOffset + k), acc0);
            acc1 = LegacyBlocks.widenUnsigned(second.and((byte) 0x0F)).fma(d, bias).fma(FloatVector.fromArray(F, x, xOffset + k + 8), acc1);
            acc0 = LegacyBlocks.widenUnsigned(first.and((byte) 0xF0)).fma(dHigh, bias).fma(FloatVector.fromArray(F, x, xOffset + k + 16), acc0);
            acc1 = LegacyBlocks.widenUnsigned(second.and((byte) 0xF0)).fma(dHigh, bias).fma(FloatVector.fromArray(F, x, xOffset + k + 24), acc1);
        }
        return FloatDots.sum(acc0, acc1);
    }

    @Override
    public boolean canQuantize() {
        return true;
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
