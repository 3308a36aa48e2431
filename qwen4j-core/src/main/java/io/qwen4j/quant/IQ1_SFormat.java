package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ1_S (1.56 bits per weight): 256 weights in 50 bytes, an fp16 {@code d}, 32 bytes of index low bits (8 weights
 * each), then per 32 weights a 16-bit word: four 3-bit index high parts (indices into {@link IQuantGrids#IQ1S}, whose
 * points are -1, 0, 1, have 11 bits), a 3-bit scale {@code d (2 s + 1)} and in its top bit the sign of the shift
 * {@link IQuantGrids#IQ1_DELTA} added to every point.
 */
final class IQ1_SFormat extends GridFormat {

    private static final int HIGH = 2 + 32;

    private static final int BLOCK_BYTES = 50;

    IQ1_SFormat() {
        super(TensorType.IQ1_S, 0,
                KernelBarrier.find(MethodHandles.lookup(), IQ1_SFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 1);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        float d = KQuants.half(src, block);
        for (int ib = 0; ib < 8; ib++) {
            int high = src.get(KQuants.LE_SHORT, block + HIGH + 2 * ib) & 0xFFFF;
            float dl = d * (2 * (high >> 12 & 7) + 1);
            float delta = IQuantGrids.iq1Delta(high >> 15);
            for (int l = 0; l < 4; l++, y += 8) {
                int entry = KQuants.u8(src, block + 2 + 4 * ib + l) | (high >> 3 * l & 7) << 8;
                IQuantGrids.shifted8(IQuantGrids.IQ1S, entry, delta, dl, dst, y);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ1_SFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
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
            // the run's four index bytes and its 16 high bits: 3 index bits per group, the scale, the shift's sign
            int q = weights.get(KQuants.LE_INT, block + 2 + 4 * run);
            int h = weights.get(KQuants.LE_SHORT, block + HIGH + 2 * run) & 0xFFFF;
            float d = KQuants.half(weights, block) * (2 * (h >> 12 & 7) + 1);
            float delta = IQuantGrids.iq1Delta(h >> 15);
            a0 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q << 3 & 0x7F8 | h << 11 & 0x3800, delta, d, x0, a0);
            a1 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q >>> 5 & 0x7F8 | h << 8 & 0x3800, delta, d, x1, a1);
            a0 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q >>> 13 & 0x7F8 | h << 5 & 0x3800, delta, d, x2, a0);
            a1 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q >>> 21 & 0x7F8 | h << 2 & 0x3800, delta, d, x3, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
