package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16-lane one-row kernels for the formats whose weight is a 4-bit index into 16 levels times a scale per 32 weights:
 * Q4_0 (levels {@code q - 8}), IQ4_NL and IQ4_XS (the non-linear table {@link KQuants#KVALUES_IQ4NL}), MXFP4 (doubled
 * E2M1 floats, {@link MXFP4Format#KVALUES}). A group's 32
 * indices are 16 bytes, byte {@code j} holding weight {@code j} in its low nibble and {@code j + 16} in its high one.
 * The group's 16 possible weights, {@code level * scale}, fill one register, and one permute per 16 nibbles picks
 * them: no conversion and no multiply per weight. Each product is the float the scalar dequantization computes, and
 * the sums run in {@link FloatDots}' order (lanes 0-7 of an accumulator are its first 8-lane chain, 8-15 its
 * second), so a row's dot is {@code FloatDots.dot} of the dequantized row bit for bit.
 */
final class NibbleTables {

    static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;
    /** IQ4_NL's table as floats (exact), for {@link #levels}. */
    static final float[] IQ4_NL_LEVELS = toFloats(KQuants.KVALUES_IQ4NL);
    private static final int GROUP = 32;

    /**
     * How a format stores a group of 32 weights around its 16 bytes of nibbles: an fp16 scale then the nibbles in 18
     * bytes (Q4_0, IQ4_NL), or an E8M0 exponent then the nibbles in 17 (MXFP4). A record, whose fields C2 trusts as
     * final, so a kernel given a constant one folds them.
     */
    record Blocks(int bytes, int nibbles, boolean e8m0Scale) {
        static final Blocks FP16_SCALED = new Blocks(18, 2, false);
        static final Blocks E8M0_SCALED = new Blocks(17, 1, true);

        /** The scale of the block at {@code block}. */
        float scale(MemorySegment weights, long block) {
            return e8m0Scale ? MXFP4Format.scale(KQuants.u8(weights, block)) : KQuants.half(weights, block);
        }
    }

    private NibbleTables() {
    }

    /** The 16 levels as one register. */
    static FloatVector levels(float[] levels) {
        return FloatVector.fromArray(WIDE, levels, 0);
    }

    /**
     * Rows {@code row} and {@code row + gap} of a format stored as {@code blocks} says (Q4_0, IQ4_NL, MXFP4): their
     * accumulators into {@code lanes[0..15]} and {@code lanes[16..31]}, a {@link VectorBlockFormat.TwoRowsWide} kernel
     * given the format's 16 levels.
     */
    static void twoRowsOfBlocks(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes,
                                float[] levelValues, Blocks blocks) {
        weights = NativeSegments.TYPE.cast(weights);
        var levels = levels(levelValues);
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        for (int k = 0; k < count; k += GROUP) {
            long base = row + (long) (k / GROUP) * blocks.bytes();
            int i = xOffset + k;
            var xLow = FloatVector.fromArray(WIDE, x, i);
            var xHigh = FloatVector.fromArray(WIDE, x, i + GROUP / 2);
            a = group(weights, base + blocks.nibbles(), scaled(levels, blocks.scale(weights, base)), xLow, xHigh, a);
            b = group(weights, base + gap + blocks.nibbles(), scaled(levels, blocks.scale(weights, base + gap)), xLow, xHigh, b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * The one-row accumulation of {@link #twoRowsOfBlocks} for two activation rows at once, {@code x} and {@code y}, over
     * weight rows {@code [rowStart, rowEnd)}: each group's weights looked up once for both (the lookups are most of what a
     * row's step costs), each activation row summed in the one-row kernel's order, so the same bits as two one-row
     * calls. {@code x}'s dots go to {@code out[outAt + r]}, {@code y}'s to {@code out[outAt + outStride + r]}: a
     * {@link KernelBarrier#ROWS_DOT_PAIR} kernel given the format's levels and block layout.
     */
    static void rowsTimesTwo(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                             float[] out, int outAt, int outStride, int rowStart, int rowEnd, float[] levelValues, Blocks blocks) {
        weights = NativeSegments.TYPE.cast(weights);
        var levels = levels(levelValues);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            var a = FloatVector.zero(WIDE);
            var b = FloatVector.zero(WIDE);
            for (int k = 0; k < count; k += GROUP) {
                long base = row + (long) (k / GROUP) * blocks.bytes();
                int i = xOffset + k;
                var table = scaled(levels, blocks.scale(weights, base));
                var v = VectorBlockFormat.widen16(weights, base + blocks.nibbles());
                var low = lookUp(v, table);
                var high = lookUp(v.lanewise(VectorOperators.ASHR, 4), table);
                a = high.fma(FloatVector.fromArray(WIDE, x, i + GROUP / 2), low.fma(FloatVector.fromArray(WIDE, x, i), a));
                b = high.fma(FloatVector.fromArray(WIDE, y, i + GROUP / 2), low.fma(FloatVector.fromArray(WIDE, y, i), b));
            }
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            out[outAt + r] = Lanes.sumOfTwo(lanes, 0);
            out[outAt + outStride + r] = Lanes.sumOfTwo(lanes, 16);
        }
    }

    /**
     * {@code count} weights of a format stored as {@code blocks} says (as {@link #twoRowsOfBlocks} reads them) into
     * {@code dst}: each group's 16 bytes widened once, their low nibbles looked up for weights 0-15 and their high
     * ones for 16-31. {@code weights} typed as {@link NativeSegments#TYPE} by the caller.
     */
    static void decodeBlocks(MemorySegment weights, long offset, float[] dst, int dstOffset, int count, float[] levelValues,
                             Blocks blocks) {
        var levels = levels(levelValues);
        for (int k = 0; k < count; k += GROUP) {
            long base = offset + (long) (k / GROUP) * blocks.bytes();
            var table = scaled(levels, blocks.scale(weights, base));
            var v = VectorBlockFormat.widen16(weights, base + blocks.nibbles());
            lookUp(v, table).intoArray(dst, dstOffset + k);
            lookUp(v.lanewise(VectorOperators.ASHR, 4), table).intoArray(dst, dstOffset + k + GROUP / 2);
        }
    }

    /** A group's 16 weights, {@code levels * scale}, as int lanes for {@link #group}'s permutes. */
    static IntVector scaled(FloatVector levels, float scale) {
        return levels.mul(scale).viewAsIntegralLanes();
    }

    /**
     * {@code acc} plus the group of 32 weights whose nibbles are at {@code at} times {@code xLow} (weights 0-15) and
     * {@code xHigh} (16-31), in that order; {@code weights} typed as {@link NativeSegments#TYPE} by the caller.
     */
    static FloatVector group(MemorySegment weights, long at, IntVector table, FloatVector xLow, FloatVector xHigh, FloatVector acc) {
        var v = VectorBlockFormat.widen16(weights, at);
        acc = lookUp(v, table).fma(xLow, acc);
        return lookUp(v.lanewise(VectorOperators.ASHR, 4), table).fma(xHigh, acc);
    }

    /** The weights whose nibble is in the low 4 bits of each lane of {@code nibbles}: lane {@code q} of {@code table}. */
    static FloatVector lookUp(IntVector nibbles, IntVector table) {
        return nibbles.selectFrom(table).viewAsFloatingLanes();
    }

    static float[] toFloats(byte[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = values[i];
        }
        return floats;
    }
}
