package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;

/**
 * MXFP4, the OCP microscaling 4-bit float (how llama.cpp's {@code MXFP4_MOE} files store a MoE model's experts): 32
 * weights in 17 bytes, an E8M0 exponent byte {@code e} then 16 bytes of E2M1 codes, byte {@code j} holding weight
 * {@code j} in its low nibble and {@code j + 16} in its high one (Q4_0's layout). ggml keeps the E2M1 values doubled,
 * as the integers {@link #KVALUES}, and halves the scale to match: {@code w = KVALUES[q] * 2^(e - 128)}.
 *
 * <p>Every weight is a small integer times a power of two, so {@code level * scale} is exact and the 16-lane kernel is
 * Q4_0's and IQ4_NL's table lookup ({@link NibbleTables}) with this table and scale: a row's dot is {@link FloatDots#dot}
 * of the dequantized row bit for bit. Without 16 lanes the rows are decoded by {@link #dequantize} first.
 */
final class MXFP4Format extends VectorBlockFormat {

    static final int BLOCK_BYTES = 17;
    /** ggml's {@code kvalues_mxfp4}: the 16 E2M1 values times two (code 8, E2M1's -0, is 0 here as in ggml). */
    static final byte[] KVALUES = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
    private static final float[] LEVELS = NibbleTables.toFloats(KVALUES);
    /** E8M0's exponent bias: byte {@code e} is {@code 2^(e - 127)}. */
    private static final int E8M0_BIAS = 127;
    private static final double LN_2 = Math.log(2);
    /** {@code floor(log2(6))}: E2M1's largest value, 6, is {@code 2^2} times 1.5. */
    private static final int E2M1_EMAX = 2;

    MXFP4Format() {
        super(Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), MXFP4Format.class, "rowsDotWide", KernelBarrier.ROWS_DOT) : null,
                Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), MXFP4Format.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.MXFP4;
    }

    /**
     * ggml's {@code ggml_e8m0_to_fp32_half}: {@code 2^(e - 128)} for every byte, built from its bits (e 0 and 1 are the
     * subnormals {@code 2^-128} and {@code 2^-127}; 255, E8M0's NaN, is not special and gives {@code 2^127}).
     */
    static float scale(int e) {
        return Float.intBitsToFloat(e < 2 ? 0x0020_0000 << e : (e - 1) << 23);
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / 32 * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = scale(KQuants.u8(src, block));
            for (int j = 0; j < 16; j++) {
                int q = KQuants.u8(src, block + 1 + j);
                dst[out + j] = KVALUES[q & 0xF] * d;
                dst[out + j + 16] = KVALUES[q >>> 4] * d;
            }
            out += 32;
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        if (Species.WIDE) {
            NibbleTables.decodeBlocks(NativeSegments.TYPE.cast(src), offset, dst, dstOffset, count, LEVELS,
                    NibbleTables.Blocks.E8M0_SCALED);
            return;
        }
        dequantize(src, offset, dst, dstOffset, count);
    }

    /** The {@link KernelBarrier#ROWS_DOT} kernel with {@link Species#WIDE}: rows in pairs as {@link #rowsDotInPairs} says. */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(MXFP4Format::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        NibbleTables.twoRowsOfBlocks(weights, row, gap, x, xOffset, count, lanes, LEVELS, NibbleTables.Blocks.E8M0_SCALED);
    }

    /** {@link NibbleTables#rowsTimesTwo} with this format's levels: the {@link KernelBarrier#ROWS_DOT_PAIR} kernel with {@link Species#WIDE}. */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                                float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        NibbleTables.rowsTimesTwo(weights, offset, rowBytes, x, y, xOffset, count, out, outAt, outStride, rowStart, rowEnd,
                LEVELS, NibbleTables.Blocks.E8M0_SCALED);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's {@code quantize_row_mxfp4_ref}: per 32 weights, the exponent that puts the largest magnitude in E2M1's
     * top binade ({@code floor(log2(amax)) - 2}), then each weight's nearest level under that scale (the first on a
     * tie, so 0 rather than -0).
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += 32, block += BLOCK_BYTES) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                float a = Math.abs(x[xb + j]);
                if (amax < a) {
                    amax = a;
                }
            }
            int e = amax > 0 ? exponentByte(amax) : 0;
            float d = scale(e);
            dst.set(ValueLayout.JAVA_BYTE, block, (byte) e);
            for (int j = 0; j < 16; j++) {
                int low = nearestLevel(x[xb + j], d);
                int high = nearestLevel(x[xb + 16 + j], d);
                dst.set(ValueLayout.JAVA_BYTE, block + 1 + j, (byte) (low | high << 4));
            }
        }
    }

    /**
     * {@code (uint8_t) (floorf(log2f(amax)) - 2 + 127)} as ggml computes it. {@code log2f} rounds to float, so for the
     * few floats just below a power of two {@code 2^k} with {@code |k| >= 2} it returns {@code k} itself and the
     * exponent is one above {@link Math#getExponent}'s; a float rounding of the double logarithm reproduces that.
     * Out-of-range results wrap as C's conversion does on x86.
     */
    static int exponentByte(float amax) {
        float log2 = (float) (Math.log(amax) / LN_2);
        return ((int) Math.floor(log2) - E2M1_EMAX + E8M0_BIAS) & 0xFF;
    }

    /** ggml's {@code best_index_mxfp4}: the first code whose level times {@code d} is nearest to {@code x}. */
    static int nearestLevel(float x, float d) {
        int best = 0;
        float bestError = Math.abs(KVALUES[0] * d - x);
        for (int i = 1; i < 16; i++) {
            float error = Math.abs(KVALUES[i] * d - x);
            if (error < bestError) {
                best = i;
                bestError = error;
            }
        }
        return best;
    }
}
