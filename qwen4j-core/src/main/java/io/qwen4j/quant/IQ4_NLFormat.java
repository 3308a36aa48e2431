package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_NL: 32 weights in 18 bytes, {@code w = d * kvalues[q]} with a 4-bit index into the fixed
 * non-linear table {@link KQuants#KVALUES_IQ4NL}.
 *
 * <p>Block ({@code block_iq4_nl}): {@code d} (fp16), 16 bytes; byte {@code j} holds weight {@code j} in
 * its low nibble and weight {@code j + 16} in its high nibble.
 *
 * <p>With 16-lane vectors a row's dot looks its weights up in registers ({@link NibbleTables}, Q4_0's kernel with
 * this table); with 8 lanes, where one register cannot hold the 16 weights of a block, it decodes the row first.
 */
final class IQ4_NLFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 18;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** The table as a vector, so a shuffle does the 16-way lookup of all nibbles at once. */
    static final ByteVector TABLE = ByteVector.fromArray(B, KQuants.KVALUES_IQ4NL, 0);

    IQ4_NLFormat() {
        super(Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), IQ4_NLFormat.class, "rowsDotWide", KernelBarrier.ROWS_DOT) : null,
                Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), IQ4_NLFormat.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.IQ4_NL;
    }

    /** The {@link KernelBarrier#ROWS_DOT} kernel with {@link Species#WIDE}: rows in pairs as {@link #rowsDotInPairs} says. */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(IQ4_NLFormat::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        NibbleTables.twoRowsOfBlocks(weights, row, gap, x, xOffset, count, lanes, NibbleTables.IQ4_NL_LEVELS,
                NibbleTables.Blocks.FP16_SCALED);
    }

    /** {@link NibbleTables#rowsTimesTwo} with this format's levels: the {@link KernelBarrier#ROWS_DOT_PAIR} kernel with {@link Species#WIDE}. */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                                float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        NibbleTables.rowsTimesTwo(weights, offset, rowBytes, x, y, xOffset, count, out, outAt, outStride, rowStart, rowEnd,
                NibbleTables.IQ4_NL_LEVELS, NibbleTables.Blocks.FP16_SCALED);
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / 32 * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            for (int j = 0; j < 16; j++) {
                int q = KQuants.u8(src, block + 2 + j);
                dst[out + j] = d * KQuants.KVALUES_IQ4NL[q & 0xF];
                dst[out + j + 16] = d * KQuants.KVALUES_IQ4NL[q >>> 4];
            }
            out += 32;
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / 32 * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            decode16(ByteVector.fromMemorySegment(B, src, block + 2, ByteOrder.LITTLE_ENDIAN), KQuants.half(src, block), dst, out);
            out += 32;
        }
    }

    /** Looks up 16 bytes of nibble pairs and writes {@code scale * value}: low nibbles at out, high at out + 16. */
    static void decode16(ByteVector nibbles, float scale, float[] dst, int out) {
        var low = nibbles.and((byte) 0xF).selectFrom(TABLE);
        var high = nibbles.lanewise(VectorOperators.LSHR, 4).selectFrom(TABLE);
        if (Species.WIDE) {
            // 16 lanes: one conversion and multiply per 16 levels, the same products (Species.WIDE is a constant)
            ((FloatVector) low.convertShape(VectorOperators.B2F, Species.WIDE_FLOATS, 0)).mul(scale).intoArray(dst, out);
            ((FloatVector) high.convertShape(VectorOperators.B2F, Species.WIDE_FLOATS, 0)).mul(scale).intoArray(dst, out + 16);
            return;
        }
        toFloats(low, 0).mul(scale).intoArray(dst, out);
        toFloats(low, 1).mul(scale).intoArray(dst, out + 8);
        toFloats(high, 0).mul(scale).intoArray(dst, out + 16);
        toFloats(high, 1).mul(scale).intoArray(dst, out + 24);
    }

    private static FloatVector toFloats(ByteVector bytes, int part) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, FloatDots.F, part);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * What {@code llama-quantize} writes: ggml's {@code quantize_iq4_nl} with no importance matrix
     * ({@code quantize_row_iq4_nl_impl}, 7 tries each way; not {@code quantize_row_iq4_nl_ref}, which skips the
     * search): per 32 weights {@link #fitScale}, then every weight mapped again to its nearest level under the
     * unrounded scale found, and the scale stored as fp16.
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        byte[] levels = new byte[32];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += 32, block += BLOCK_BYTES) {
            float d = fitScale(x, xb, levels, 0, 7);
            float id = d != 0 ? 1 / d : 0f;
            for (int j = 0; j < 32; j++) {
                levels[j] = (byte) nearestLevel(id * x[xb + j]);
            }
            KQuants.putHalf(dst, block, d);
            packNibbles(levels, 0, dst, block + 2);
        }
    }

    /** Byte j of a 32-weight group holds level j (low nibble) and level j + 16 (high nibble). */
    static void packNibbles(byte[] levels, int lOff, MemorySegment dst, long at) {
        for (int j = 0; j < 16; j++) {
            dst.set(ValueLayout.JAVA_BYTE, at + j, (byte) (levels[lOff + j] | (levels[lOff + j + 16] << 4)));
        }
    }

    /**
     * The scale search of ggml's {@code quantize_row_iq4_nl_impl} for one group of 32 weights (weights
     * x²): 1. start from {@code d = ±max / kvalues[0]}; 2. map each weight to its nearest table level
     * and refit {@code d} by weighted least squares; 3. for {@code ntry > 0}, also try the inverse scales
     * {@code (t + kvalues[0]) / max} for t in -ntry..ntry and keep the best fit. Writes the first pass's
     * levels; returns {@code d} (0 for an all-zero group, whose levels are 0).
     */
    static float fitScale(float[] x, int xOff, byte[] levels, int lOff, int ntry) {
        byte[] values = KQuants.KVALUES_IQ4NL;
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float ax = Math.abs(x[xOff + j]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + j];
            }
        }
        if (amax < KQuants.GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lOff, lOff + 32, (byte) 0);
            return 0f;
        }
        float d = ntry > 0 ? -max / values[0] : max / values[0];
        float id = 1 / d;
        float sumQX = 0;
        float sumQ2 = 0;
        for (int j = 0; j < 32; j++) {
            float xj = x[xOff + j];
            int l = nearestLevel(id * xj);
            levels[lOff + j] = (byte) l;
            float q = values[l];
            float w = xj * xj;
            sumQX += w * q * xj;
            sumQ2 += w * q * q;
        }
        d = sumQ2 > 0 ? sumQX / sumQ2 : 0f;
        float best = d * sumQX;
        for (int t = -ntry; t <= ntry; t++) {
            id = (t + values[0]) / max;
            sumQX = 0;
            sumQ2 = 0;
            for (int j = 0; j < 32; j++) {
                float xj = x[xOff + j];
                float q = values[nearestLevel(id * xj)];
                float w = xj * xj;
                sumQX += w * q * xj;
                sumQ2 += w * q * q;
            }
            if (sumQ2 > 0 && sumQX * sumQX > best * sumQ2) {
                d = sumQX / sumQ2;
                best = d * sumQX;
            }
        }
        return d;
    }

    /**
     * The index of the table level nearest to {@code value}, ties to the upper level: a branch-free
     * binary search on midpoints, compared as {@code 2 value >= a + b} so both sides are exact
     * (ggml's {@code best_index_int8}).
     */
    static int nearestLevel(float value) {
        float twice = value + value;
        int index = 0;
        for (int step = 8; step > 0; step >>= 1) {
            int j = index + step;
            if (twice >= (float) (KQuants.KVALUES_IQ4NL[j - 1] + KQuants.KVALUES_IQ4NL[j])) {
                index = j;
            }
        }
        return index;
    }
}
