package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ3_XXS (3.06 bits per weight): 256 weights in 98 bytes, an fp16 {@code d}, 64 indices into
 * {@link IQuantGrids#IQ3XXS} (4 weights each), then per 32 weights a 32-bit word of four 7-bit sign codes
 * ({@link IQuantGrids#KSIGNS}, one per 8 weights) and, in its top 4 bits, the scale {@code d (0.5 + s) / 2}.
 */
final class IQ3_XXSFormat extends GridFormat {

    private static final int SCALES_AND_SIGNS = 2 + 64;

    private static final int BLOCK_BYTES = 98;

    IQ3_XXSFormat() {
        super(TensorType.IQ3_XXS, 0,
                KernelBarrier.find(MethodHandles.lookup(), IQ3_XXSFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 3);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        float d = KQuants.half(src, block);
        for (int ib32 = 0; ib32 < 8; ib32++) {
            int aux = src.get(KQuants.LE_INT, block + SCALES_AND_SIGNS + 4 * ib32);
            float db = d * (0.5f + (aux >>> 28)) * 0.5f;
            long entries = block + 2 + 8 * ib32;
            for (int l = 0; l < 4; l++, y += 8) {
                int signs = IQuantGrids.KSIGNS[aux >>> 7 * l & 127];
                IQuantGrids.signed4(IQuantGrids.IQ3XXS, KQuants.u8(src, entries + 2 * l), signs, 0, db, dst, y);
                IQuantGrids.signed4(IQuantGrids.IQ3XXS, KQuants.u8(src, entries + 2 * l + 1), signs, 1, db, dst, y + 4);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ3_XXSFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * Row {@code row} times x, each 8 weights decoded in registers as {@link #decodeBlock} decodes them (two grid
     * entries of 4, see {@link IQuantGrids#IQ3XXS_LOW}) and added in {@link FloatDots}' order: group {@code l} of a
     * 32-weight run to accumulator {@code l % 2}. One loop step per run, its fields read once (as
     * {@code IQ3_SFormat.oneRow}, which says why not two rows).
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
            // the run's eight index bytes and its word of four 7-bit sign codes and the scale; offsets taken out times 8
            long e = weights.get(KQuants.LE_LONG, block + 2 + 8 * run);
            int aux = weights.get(KQuants.LE_INT, block + SCALES_AND_SIGNS + 4 * run);
            float d = KQuants.half(weights, block) * (0.5f + (aux >>> 28)) * 0.5f;
            float[] low = IQuantGrids.IQ3XXS_LOW;
            float[] high = IQuantGrids.IQ3XXS_HIGH;
            int[] signs = IQuantGrids.CODE_SIGN_BITS;
            a0 = IQuantGrids.pairSignedTimesAt(low, high, (int) e << 3 & 0x7F8, (int) (e >>> 5) & 0x7F8, signs,
                    aux << 3 & 0x3F8, d, x0, a0);
            a1 = IQuantGrids.pairSignedTimesAt(low, high, (int) (e >>> 13) & 0x7F8, (int) (e >>> 21) & 0x7F8, signs,
                    aux >>> 4 & 0x3F8, d, x1, a1);
            a0 = IQuantGrids.pairSignedTimesAt(low, high, (int) (e >>> 29) & 0x7F8, (int) (e >>> 37) & 0x7F8, signs,
                    aux >>> 11 & 0x3F8, d, x2, a0);
            a1 = IQuantGrids.pairSignedTimesAt(low, high, (int) (e >>> 45) & 0x7F8, (int) (e >>> 53) & 0x7F8, signs,
                    aux >>> 18 & 0x3F8, d, x3, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
