package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.F;
import static io.qwen4j.quant.LegacyBlocks.blockDot;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;
import static io.qwen4j.quant.LegacyBlocks.widen;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0: blocks of 32 elements, {@code fp16 d} then 32 signed bytes {@code q}; element {@code j} is
 * {@code q[j] * d}. 8.5 bits per weight. The quantizer maps the block's largest magnitude to 127.
 */
final class Q8_0Format implements QuantFormat {

    private static final int BLOCK_BYTES = 34;

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
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** {@link #dot} for four activation rows, decoding each block once. */
    private static void dot4(MemorySegment weights, long offset, int count, float[] x,
                             int xa, int xb, int xc, int xd, float[] result) {
        var accA = FloatVector.zero(F);
        var accB = FloatVector.zero(F);
        var accC = FloatVector.zero(F);
        var accD = FloatVector.zero(F);
        for (int block = 0, blocks = count / BLOCK; block < blocks; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            var w0 = widen(loadBytes(weights, base + 2));
            var w1 = widen(loadBytes(weights, base + 10));
            var w2 = widen(loadBytes(weights, base + 18));
            var w3 = widen(loadBytes(weights, base + 26));
            var d = FloatVector.broadcast(F, half(weights, base));
            int k = block * BLOCK;
            accA = blockDot(w0, w1, w2, w3, x, xa + k).fma(d, accA);
            accB = blockDot(w0, w1, w2, w3, x, xb + k).fma(d, accB);
            accC = blockDot(w0, w1, w2, w3, x, xc + k).fma(d, accC);
            accD = blockDot(w0, w1, w2, w3, x, xd + k).fma(d, accD);
        }
        result[0] = accA.reduceLanes(VectorOperators.ADD);
        result[1] = accB.reduceLanes(VectorOperators.ADD);
        result[2] = accC.reduceLanes(VectorOperators.ADD);
        result[3] = accD.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        LegacyBlocks.matmul(this, Q8_0Format::dot4, weights, offset, cols, x, batch, out, outStride, rowStart, rowEnd);
    }

    @Override
    public boolean canQuantize() {
        return true;
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
