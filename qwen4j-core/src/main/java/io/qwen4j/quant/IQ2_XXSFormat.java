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
        super(TensorType.IQ2_XXS, 0, KernelBarrier.find(MethodHandles.lookup(), IQ2_XXSFormat.class, "rowsDot", KernelBarrier.ROWS_DOT));
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

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: rows in pairs as {@link #rowsDotInPairs} says. */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(IQ2_XXSFormat::twoRows, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * Rows {@code row} and {@code row + gap} times x, each 8 weights decoded in registers as {@link #decodeBlock}
     * decodes them and added in {@link FloatDots}' order: group {@code l} of a 32-weight run to accumulator
     * {@code l % 2}. One loop step per 16 weights (the run's scale and codes read again for its second half):
     * with 32 per step, two rows' eight groups overran C2's node budget and the vectors were boxed.
     */
    private static void twoRows(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a0 = FloatVector.zero(FloatDots.F);
        var a1 = FloatVector.zero(FloatDots.F);
        var b0 = FloatVector.zero(FloatDots.F);
        var b1 = FloatVector.zero(FloatDots.F);
        for (int k = 0; k < count; k += 16) {
            long block = row + (long) (k >> 8) * BLOCK_BYTES;
            long run = block + 2 + (k & 224) / 4;
            // the first or the second pair of groups of the run: where their grid entries and sign codes sit,
            // taken out already times 8 (a vector's offset in the tables)
            int entryShift = k & 16;
            int signShift = 32 + 7 * ((k & 16) / 8) - 3;
            long qa = weights.get(KQuants.LE_LONG, run);
            long qb = weights.get(KQuants.LE_LONG, run + gap);
            long ea = qa << 3;
            long eb = qb << 3;
            float sa = IQuantGrids.iq2Scale(KQuants.half(weights, block), (int) (qa >>> 60));
            float sb = IQuantGrids.iq2Scale(KQuants.half(weights, block + gap), (int) (qb >>> 60));
            var x0 = FloatVector.fromArray(FloatDots.F, x, xOffset + k);
            var x1 = FloatVector.fromArray(FloatDots.F, x, xOffset + k + 8);
            a0 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2XXS, (int) (ea >>> entryShift) & 0x7F8,
                    (int) (qa >>> signShift) & 0x3F8, sa, x0, a0);
            b0 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2XXS, (int) (eb >>> entryShift) & 0x7F8,
                    (int) (qb >>> signShift) & 0x3F8, sb, x0, b0);
            a1 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2XXS, (int) (ea >>> entryShift + 8) & 0x7F8,
                    (int) (qa >>> signShift + 7) & 0x3F8, sa, x1, a1);
            b1 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2XXS, (int) (eb >>> entryShift + 8) & 0x7F8,
                    (int) (qb >>> signShift + 7) & 0x3F8, sb, x1, b1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
        b0.intoArray(lanes, 16);
        b1.intoArray(lanes, 24);
    }
}
