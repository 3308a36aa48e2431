package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
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
 * 0-7, 8-15, 16-23, 24-31) and multiply them by the activations. Q4_1/Q5_1 form each weight {@code q*d + m}
 * in registers and add each block's products up before the row's sum. Q8_0, Q4_0 and Q5_0 use the helpers here
 * but multiply exact decoded weights in {@link FloatDots}' order ({@link Q8_0Format}), which their batched matmul
 * runs faster.
 */
final class LegacyBlocks {

    static final int BLOCK = 32;

    static final VectorSpecies<Float> F = Species.FLOATS;
    /** 8 bytes widen to 8 floats in one conversion (measured faster than splitting wider loads). */
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * For each value of one byte of a Q5 block's {@code qh}: 8 bytes, lane {@code l} being {@code 0x10} when
     * bit {@code l} is set. One table load turns 8 high bits into the bytes to OR onto 8 nibbles.
     */
    private static final byte[] FIFTH_BITS = new byte[256 * 8];
    /** As {@link #FIFTH_BITS} minus 16 (lanes 0 or -16): adding it to a nibble gives Q5_0's {@code q - 16}. */
    private static final byte[] FIFTH_BITS_MINUS_16 = new byte[256 * 8];

    static {
        for (int bits = 0; bits < 256; bits++) {
            for (int lane = 0; lane < 8; lane++) {
                FIFTH_BITS[bits * 8 + lane] = (byte) (((bits >>> lane) & 1) << 4);
                FIFTH_BITS_MINUS_16[bits * 8 + lane] = (byte) ((((bits >>> lane) & 1) << 4) - 16);
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

    /** The block's smallest element, as Q4_1/Q5_1 find it ({@code v < min} from {@code FLT_MAX}). */
    static float min(float[] x, int offset) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < BLOCK; j++) {
            if (x[offset + j] < min) {
                min = x[offset + j];
            }
        }
        return min;
    }

    /** The block's largest element, as Q4_1/Q5_1 find it ({@code v > max} from {@code -FLT_MAX}). */
    static float max(float[] x, int offset) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < BLOCK; j++) {
            if (x[offset + j] > max) {
                max = x[offset + j];
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
        segment = NativeSegments.TYPE.cast(segment);
        return ByteVector.fromMemorySegment(B, segment, offset, ByteOrder.LITTLE_ENDIAN);
    }

    /** Low nibbles of 8 bytes. */
    static ByteVector lowNibbles(ByteVector bytes) {
        return bytes.and((byte) 0x0F);
    }

    /**
     * High nibbles of 8 bytes. Shifting as 16-bit lanes and masking beat a byte-lane shift 1.4x here
     * (x86 has no byte shift instruction; C2 emulates it).
     */
    static ByteVector highNibbles(ByteVector bytes) {
        return bytes.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    /** {@code 0x10} in lane {@code l} when bit {@code shift + l} of {@code qh} is set. */
    static ByteVector fifthBits(int qh, int shift) {
        return ByteVector.fromArray(B, FIFTH_BITS, ((qh >>> shift) & 0xFF) << 3);
    }

    /** {@link #fifthBits} minus 16, saving Q5_0 a subtraction per 8 lanes (measured on its dot). */
    static ByteVector fifthBitsMinus16(int qh, int shift) {
        return ByteVector.fromArray(B, FIFTH_BITS_MINUS_16, ((qh >>> shift) & 0xFF) << 3);
    }

    /** {@code sum_j w_j * x[xOffset + j]} over one block, as a vector of 8 partial sums. */
    static FloatVector blockDot(FloatVector w0, FloatVector w1, FloatVector w2, FloatVector w3,
                                float[] x, int xOffset) {
        var sum = w0.mul(FloatVector.fromArray(F, x, xOffset));
        sum = w1.fma(FloatVector.fromArray(F, x, xOffset + 8), sum);
        sum = w2.fma(FloatVector.fromArray(F, x, xOffset + 16), sum);
        return w3.fma(FloatVector.fromArray(F, x, xOffset + 24), sum);
    }

    // ---- batched matmul ---------------------------------------------------------------------------

    /**
     * {@link QuantFormat#matmul} for the legacy formats: each weight row is decoded once into an L1-sized
     * float buffer, then multiplied by all activation rows, four at a time.
     *
     * <p>Why a buffer and not registers, and why the batch loop sits in the kernel: C2 boxes vectors
     * (measured 5-10x slower, visible as GC churn) once a compiled method outgrows its inlining node
     * budget. A nibble decoder plus four accumulators did; so did a decoder with a kernel inlined beside
     * it, or eight accumulators for Q4_1's {@code m} term. Decoding and the one shared kernel are
     * therefore separate methods, and the kernel is too large for C2 to inline into this loop. The row
     * decoder is called through a {@link KernelBarrier}: a model of one format makes the call site
     * monomorphic, C2 then inlined Q4_0's decoder here and boxed it (batched Q4_0 at 2.5-8.5 GFLOP/s,
     * allocating, against 32-37 with the decoder kept out of line; 1024x1024, batch 4-16).
     *
     * @param decodeRow a {@link KernelBarrier#ROW_DECODE} kernel: one weight row into the 8-lane vectors the
     *     format's {@code dot} multiplies by x, in element order, and each block's factor for the block sum
     *     (Q*_0: codes with the offset applied and {@code d}; Q4_1 / Q5_1: {@code fma(q, d, m)} and 1), so
     *     that kernels over them reproduce {@code dot} bit for bit
     */
    static void matmul(QuantFormat format, MethodHandle decodeRow, MemorySegment weights, long offset,
                       int cols, float[] x, int batch, float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = format.type().bytesFor(cols);
        if (batch == 1) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[r] = format.dot(weights, offset + r * rowBytes, x, 0, cols);
            }
            return;
        }
        float[] codes = Scratch.floats(Scratch.Slot.ROW, cols);
        float[] scales = Scratch.floats(Scratch.Slot.ROW_SIDE, cols / BLOCK);
        for (int r = rowStart; r < rowEnd; r++) {
            KernelBarrier.decodeRow(decodeRow, weights, offset + r * rowBytes, cols, codes, scales);
            decodedRowTimesBatch(codes, scales, cols, x, batch, out, outStride, r);
        }
    }

    /**
     * Output column {@code r} for every activation row: four activation rows per pass over the decoded
     * row (a last group of 1-3 repeats its last row). Per activation row the operations are exactly
     * those of the formats' {@code dot}, so the results are equal bit for bit.
     */
    private static void decodedRowTimesBatch(float[] codes, float[] scales, int count, float[] x, int batch,
                                             float[] out, int outStride, int r) {
        for (int b = 0; b < batch; b += 4) {
            int last = Math.min(b + 3, batch - 1);
            int xa = b * count;
            int xb = Math.min(b + 1, last) * count;
            int xc = Math.min(b + 2, last) * count;
            int xd = last * count;
            var accA = FloatVector.zero(F);
            var accB = FloatVector.zero(F);
            var accC = FloatVector.zero(F);
            var accD = FloatVector.zero(F);
            for (int block = 0, k = 0; k < count; block++, k += BLOCK) {
                var w0 = FloatVector.fromArray(F, codes, k);
                var w1 = FloatVector.fromArray(F, codes, k + 8);
                var w2 = FloatVector.fromArray(F, codes, k + 16);
                var w3 = FloatVector.fromArray(F, codes, k + 24);
                var d = FloatVector.broadcast(F, scales[block]);
                accA = blockDot(w0, w1, w2, w3, x, xa + k).fma(d, accA);
                accB = blockDot(w0, w1, w2, w3, x, xb + k).fma(d, accB);
                accC = blockDot(w0, w1, w2, w3, x, xc + k).fma(d, accC);
                accD = blockDot(w0, w1, w2, w3, x, xd + k).fma(d, accD);
            }
            // writing d, c, b, a: a repeated row lands on its own slot last, with the same value
            out[last * outStride + r] = Lanes.sum(accD);
            out[Math.min(b + 2, last) * outStride + r] = Lanes.sum(accC);
            out[Math.min(b + 1, last) * outStride + r] = Lanes.sum(accB);
            out[b * outStride + r] = Lanes.sum(accA);
        }
    }
}
