package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.F;
import static io.qwen4j.quant.LegacyBlocks.LE_INT;
import static io.qwen4j.quant.LegacyBlocks.blockDot;
import static io.qwen4j.quant.LegacyBlocks.blockSum;
import static io.qwen4j.quant.LegacyBlocks.fifthBits;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.highNibbles;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;
import static io.qwen4j.quant.LegacyBlocks.lowNibbles;
import static io.qwen4j.quant.LegacyBlocks.widen;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_1: blocks of 32 elements, {@code fp16 d}, {@code fp16 m}, a little-endian 32-bit {@code qh} of fifth
 * bits, then 16 bytes of low nibbles (layout as in Q5_0); element value is {@code q * d + m}. 6 bits per
 * weight. The quantizer spreads the block's [min, max] over 0..31.
 */
final class Q5_1Format implements QuantFormat {

    private static final int BLOCK_BYTES = 24;

    @Override
    public TensorType type() {
        return TensorType.Q5_1;
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
        LegacyBlocks.requireWholeBlocks(count);
        var acc = FloatVector.zero(F);
        var accMin = FloatVector.zero(F);
        for (int block = 0, blocks = count / BLOCK; block < blocks; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            int qh = weights.get(LE_INT, base + 4);
            var first = loadBytes(weights, base + 8);
            var second = loadBytes(weights, base + 16);
            int k = xOffset + block * BLOCK;
            var sum = blockDot(
                    widen(lowNibbles(first).or(fifthBits(qh, 0))),
                    widen(lowNibbles(second).or(fifthBits(qh, 8))),
                    widen(highNibbles(first).or(fifthBits(qh, 16))),
                    widen(highNibbles(second).or(fifthBits(qh, 24))),
                    x, k);
            acc = sum.fma(FloatVector.broadcast(F, half(weights, base)), acc);
            accMin = blockSum(x, k).fma(FloatVector.broadcast(F, half(weights, base + 2)), accMin);
        }
        return acc.add(accMin).reduceLanes(VectorOperators.ADD);
    }

    /** {@link #dot} for four activation rows, decoding each block once. */
    private static void dot4(MemorySegment weights, long offset, int count, float[] x,
                             int xa, int xb, int xc, int xd, float[] result) {
        var accA = FloatVector.zero(F);
        var accB = FloatVector.zero(F);
        var accC = FloatVector.zero(F);
        var accD = FloatVector.zero(F);
        var minA = FloatVector.zero(F);
        var minB = FloatVector.zero(F);
        var minC = FloatVector.zero(F);
        var minD = FloatVector.zero(F);
        for (int block = 0, blocks = count / BLOCK; block < blocks; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            int qh = weights.get(LE_INT, base + 4);
            var first = loadBytes(weights, base + 8);
            var second = loadBytes(weights, base + 16);
            var w0 = widen(lowNibbles(first).or(fifthBits(qh, 0)));
            var w1 = widen(lowNibbles(second).or(fifthBits(qh, 8)));
            var w2 = widen(highNibbles(first).or(fifthBits(qh, 16)));
            var w3 = widen(highNibbles(second).or(fifthBits(qh, 24)));
            var d = FloatVector.broadcast(F, half(weights, base));
            var m = FloatVector.broadcast(F, half(weights, base + 2));
            int k = block * BLOCK;
            accA = blockDot(w0, w1, w2, w3, x, xa + k).fma(d, accA);
            minA = blockSum(x, xa + k).fma(m, minA);
            accB = blockDot(w0, w1, w2, w3, x, xb + k).fma(d, accB);
            minB = blockSum(x, xb + k).fma(m, minB);
            accC = blockDot(w0, w1, w2, w3, x, xc + k).fma(d, accC);
            minC = blockSum(x, xc + k).fma(m, minC);
            accD = blockDot(w0, w1, w2, w3, x, xd + k).fma(d, accD);
            minD = blockSum(x, xd + k).fma(m, minD);
        }
        result[0] = accA.add(minA).reduceLanes(VectorOperators.ADD);
        result[1] = accB.add(minB).reduceLanes(VectorOperators.ADD);
        result[2] = accC.add(minC).reduceLanes(VectorOperators.ADD);
        result[3] = accD.add(minD).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        LegacyBlocks.matmul(this, Q5_1Format::dot4, weights, offset, cols, x, batch, out, outStride, rowStart, rowEnd);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q5_1_ref}, operation for operation (it has no MIN clip, unlike Q4_1). */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[in + j];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
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
