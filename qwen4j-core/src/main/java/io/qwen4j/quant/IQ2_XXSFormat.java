package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ2_XXS (2.06 bits per weight): 256 weights in 66 bytes, an fp16 {@code d}, then per 32 weights 8 bytes: four
 * indices into {@link IQuantGrids#IQ2XXS} (one per 8 weights) and a 32-bit word holding four 7-bit sign codes
 * ({@link IQuantGrids#KSIGNS}) and, in its top 4 bits, the scale {@code d (0.5 + s) / 4}.
 */
final class IQ2_XXSFormat extends GridFormat {

    private static final int BLOCK_BYTES = 66;

    IQ2_XXSFormat() {
        super(TensorType.IQ2_XXS, 0,
                KernelBarrier.find(MethodHandles.lookup(), IQ2_XXSFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 2);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        float d = KQuants.half(src, block);
        for (long at = block + 2, end = block + 2 + 64; at < end; at += 8) {
            int entries = src.get(KQuants.LE_INT, at);
            int aux = src.get(KQuants.LE_INT, at + 4);
            float db = IQuantGrids.iq2Scale(d, aux >>> 28);
            for (int l = 0; l < 4; l++, y += 8) {
                IQuantGrids.signed8(IQuantGrids.IQ2XXS, entries >>> 8 * l & 0xFF,
                        IQuantGrids.KSIGNS[aux >>> 7 * l & 127], db, dst, y);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ2_XXSFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * Row {@code row} times x, each 8 weights decoded in registers as {@link #decodeBlock} decodes them and added
     * in {@link FloatDots}' order: group {@code l} of a 32-weight run to accumulator {@code l % 2}. One loop step per
     * run, its fields read once (as {@code IQ3_SFormat.oneRow}, which says why not two rows).
     */
    private static void oneRow(MemorySegment weights, long row, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a0 = FloatVector.zero(FloatDots.F);
        var a1 = FloatVector.zero(FloatDots.F);
        for (int k = 0; k < count; k += 32) {
            long block = row + (long) (k >> 8) * BLOCK_BYTES;
            int run = (k & 224) >> 5;
            var x0 = FloatVector.fromArray(FloatDots.F, x, xOffset + k);
            var x1 = FloatVector.fromArray(FloatDots.F, x, xOffset + k + 8);
            var x2 = FloatVector.fromArray(FloatDots.F, x, xOffset + k + 16);
            var x3 = FloatVector.fromArray(FloatDots.F, x, xOffset + k + 24);
            // the run's four grid indices (a byte each) and, above them, four 7-bit sign codes and the scale
            // split in ints: fields cut out of an int cost C2 no zero-extension of a long
            long q = weights.get(KQuants.LE_LONG, block + 2 + 8 * run);
            int e = (int) q;
            int aux = (int) (q >>> 32);
            float d = IQuantGrids.iq2Scale(KQuants.half(weights, block), aux >>> 28);
            float[] grid = IQuantGrids.IQ2XXS;
            int[] signs = IQuantGrids.CODE_SIGN_BITS;
            a0 = IQuantGrids.signedTimesAt(grid, e << 3 & 0x7F8, signs, aux << 3 & 0x3F8, d, x0, a0);
            a1 = IQuantGrids.signedTimesAt(grid, e >>> 5 & 0x7F8, signs, aux >>> 4 & 0x3F8, d, x1, a1);
            a0 = IQuantGrids.signedTimesAt(grid, e >>> 13 & 0x7F8, signs, aux >>> 11 & 0x3F8, d, x2, a0);
            a1 = IQuantGrids.signedTimesAt(grid, e >>> 21 & 0x7F8, signs, aux >>> 18 & 0x3F8, d, x3, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
