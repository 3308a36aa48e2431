package io.qwen4j.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What ggml's 32-element "legacy" formats (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) share: fp16 scale fields,
 * C's rounding rules for the reference quantizers, and the SIMD building blocks of their kernels.
 *
 * <p>Every block holds 32 elements. The kernels decode a block into four 8-lane float vectors (elements
 * 0-7, 8-15, 16-23, 24-31), multiply them by the activations and scale the block's sum once by {@code d}:
 * {@code sum_j q_j*d*x_j == d * sum_j q_j*x_j}, one multiply per block instead of per element, as ggml's
 * own kernels do.
 */
final class LegacyBlocks {

    static final int BLOCK = 32;

    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    /** 8 bytes widen to 8 floats in one conversion (measured faster than splitting wider loads). */
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * For each value of one byte of a Q5 block's {@code qh}: 8 bytes, lane {@code l} being {@code 0x10} when
     * bit {@code l} is set. One table load turns 8 high bits into the bytes to OR onto 8 nibbles.
     */
    private static final byte[] FIFTH_BITS = new byte[256 * 8];

    static {
        for (int bits = 0; bits < 256; bits++) {
            for (int lane = 0; lane < 8; lane++) {
                FIFTH_BITS[bits * 8 + lane] = (byte) (((bits >>> lane) & 1) << 4);
            }
        }
    }

    private LegacyBlocks() {
    }

    /** The fp16 field at {@code offset}, exactly as ggml's {@code GGML_FP16_TO_FP32}. */
    static float half(MemorySegment segment, long offset) {
        return Float.float16ToFloat(segment.get(LE_SHORT, offset));
    }

    /** Stores {@code value} as fp16 rounded to nearest even, as ggml's {@code GGML_FP32_TO_FP16}. */
    static void putHalf(MemorySegment segment, long offset, float value) {
        segment.set(LE_SHORT, offset, Float.floatToFloat16(value));
    }

    /** C's {@code roundf}: halves round away from zero (Math.round rounds them up). */
    static float roundHalfAwayFromZero(float value) {
        if (!(Math.abs(value) < 0x1p23f)) {
            return value;                 // already integral, infinite or NaN
        }
        int whole = (int) value;          // truncates toward zero
        float fraction = value - whole;   // exact (Sterbenz: whole is 0 or within a factor 2 of value)
        if (fraction >= 0.5f) {
            return whole + 1;
        }
        if (fraction <= -0.5f) {
            return whole - 1;
        }
        return whole;
    }

    /**
     * C's {@code (int8_t) f} as x86 computes it: truncate to a 32-bit int, keep the low byte. C leaves
     * out-of-range values undefined; x86's {@code cvttss2si} gives {@code 0x80000000} for them and for NaN
     * (low byte 0). It matters only when a block's scale is so small that {@code 1/d} overflows to infinity
     * (all magnitudes below about 1e-37): ggml-produced files on x86 then hold code 0.
     */
    static int toInt8(float value) {
        return Math.abs(value) < 0x1p31f ? (byte) (int) value : 0;
    }

    /** The element of largest magnitude, keeping the first on ties, as Q4_0/Q5_0 choose it. */
    static float signedMax(float[] x, int offset) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[offset + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    static void requireWholeBlocks(int count) {
        if (count % BLOCK != 0) {
            throw new IllegalArgumentException("element count " + count + " is not a multiple of " + BLOCK);
        }
    }

    // ---- SIMD building blocks ------------------------------------------------------------------

    /** 8 signed bytes widened to 8 floats. */
    static FloatVector widen(ByteVector bytes) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, F, 0);
    }

    static ByteVector loadBytes(MemorySegment segment, long offset) {
        return ByteVector.fromMemorySegment(B, segment, offset, ByteOrder.LITTLE_ENDIAN);
    }

    /** Low nibbles of 8 bytes. */
    static ByteVector lowNibbles(ByteVector bytes) {
        return bytes.and((byte) 0x0F);
    }

    /** High nibbles of 8 bytes (the byte shift is unsigned, so no mask is needed). */
    static ByteVector highNibbles(ByteVector bytes) {
        return bytes.lanewise(VectorOperators.LSHR, 4);
    }

    /** {@code 0x10} in lane {@code l} when bit {@code shift + l} of {@code qh} is set. */
    static ByteVector fifthBits(int qh, int shift) {
        return ByteVector.fromArray(B, FIFTH_BITS, ((qh >>> shift) & 0xFF) << 3);
    }

    /** {@code sum_j w_j * x[xOffset + j]} over one block, as a vector of 8 partial sums. */
    static FloatVector blockDot(FloatVector w0, FloatVector w1, FloatVector w2, FloatVector w3,
                                float[] x, int xOffset) {
        var sum = w0.mul(FloatVector.fromArray(F, x, xOffset));
        sum = w1.fma(FloatVector.fromArray(F, x, xOffset + 8), sum);
        sum = w2.fma(FloatVector.fromArray(F, x, xOffset + 16), sum);
        return w3.fma(FloatVector.fromArray(F, x, xOffset + 24), sum);
    }

    /** {@code sum_j x[xOffset + j]} over one block: the term an offset {@code m} multiplies (Q4_1, Q5_1). */
    static FloatVector blockSum(float[] x, int xOffset) {
        return FloatVector.fromArray(F, x, xOffset)
                .add(FloatVector.fromArray(F, x, xOffset + 8))
                .add(FloatVector.fromArray(F, x, xOffset + 16))
                .add(FloatVector.fromArray(F, x, xOffset + 24));
    }

    // ---- batched matmul driver -----------------------------------------------------------------

    /**
     * One weight row times four activation rows at once: the format decodes each block once and uses it
     * for all four. Per activation row it must perform exactly the operations of the format's
     * {@code dot}, so a batched result equals the single-row one bit for bit.
     */
    interface FourRowKernel {
        void dot4(MemorySegment weights, long offset, int count, float[] x,
                  int xa, int xb, int xc, int xd, float[] result);
    }

    /**
     * {@link QuantFormat#matmul} for a format with a four-row kernel: for each weight row, the batch goes
     * by fours (a short last group repeats its last activation row rather than needing more kernels),
     * and a single leftover row uses {@code dot}.
     */
    static void matmul(QuantFormat format, FourRowKernel kernel, MemorySegment weights, long offset,
                       int cols, float[] x, int batch, float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = format.type().bytesFor(cols);
        float[] result = new float[4];
        for (int r = rowStart; r < rowEnd; r++) {
            long rowOffset = offset + r * rowBytes;
            int b = 0;
            for (; b < batch; b += 4) {
                int rows = Math.min(4, batch - b);
                if (rows == 1) {
                    out[b * outStride + r] = format.dot(weights, rowOffset, x, b * cols, cols);
                    break;
                }
                int last = b + rows - 1;
                kernel.dot4(weights, rowOffset, cols, x, b * cols, Math.min(b + 1, last) * cols,
                        Math.min(b + 2, last) * cols, last * cols, result);
                for (int i = 0; i < rows; i++) {
                    out[(b + i) * outStride + r] = result[i];
                }
            }
        }
    }
}
