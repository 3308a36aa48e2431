package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ1_M (1.75 bits per weight): 256 weights in 56 bytes and no scale field of its own: 32 bytes of index low bits (8
 * weights each), 16 bytes of index high parts (3 bits per 8 weights, indices into {@link IQuantGrids#IQ1S}) each
 * with the sign of its group's shift {@link IQuantGrids#IQ1_DELTA}, then four 16-bit words: 3-bit scales
 * {@code 2 s + 1} per 16 weights in their low 12 bits, and the block's fp16 {@code d} spread over their top 4 bits.
 */
final class IQ1_MFormat extends GridFormat {

    private static final int HIGH = 32;
    private static final int SCALES = 48;

    private static final int BLOCK_BYTES = 56;

    IQ1_MFormat() {
        super(TensorType.IQ1_M, -1,
                KernelBarrier.find(MethodHandles.lookup(), IQ1_MFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 2);
    }

    @Override
    void writeScale(MemorySegment block, long at, short half) {
        for (int i = 0; i < 4; i++) {
            long word = at + SCALES + 2 * i;
            int bits = block.get(KQuants.LE_SHORT, word) & 0x0FFF | (half >> 4 * i & 0xF) << 12;
            block.set(KQuants.LE_SHORT, word, (short) bits);
        }
    }

    /** The block's fp16 scale {@code d}, whose 16 bits are the top nibbles of the four 16-bit scale words. */
    private static float superScale(long scales) {
        int half = (int) (scales >>> 12 & 0xF | scales >>> 24 & 0xF0 | scales >>> 36 & 0xF00 | scales >>> 48 & 0xF000);
        return Float.float16ToFloat((short) half);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        long scales = src.get(KQuants.LE_LONG, block + SCALES);
        float d = superScale(scales);
        for (int ib = 0; ib < 8; ib++) {
            int word = (int) (scales >>> 16 * (ib / 2));
            int shift = 6 * (ib % 2);
            float dl1 = d * (2 * (word >> shift & 7) + 1);
            float dl2 = d * (2 * (word >> shift + 3 & 7) + 1);
            long qs = block + 4 * ib;
            for (int l = 0; l < 4; l++, y += 8) {
                int high = KQuants.u8(src, block + HIGH + 2 * ib + l / 2);
                // even groups take the low nibble of their high byte, odd ones the high nibble
                int nibble = l % 2 == 0 ? high & 0xF : high >> 4;
                int entry = KQuants.u8(src, qs + l) | (nibble & 7) << 8;
                float delta = IQuantGrids.iq1Delta(nibble >> 3);
                IQuantGrids.shifted8(IQuantGrids.IQ1S, entry, delta, l < 2 ? dl1 : dl2, dst, y);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ1_MFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
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
            // the run's four index bytes, two high bytes (per group a nibble: 3 index bits, the shift's sign), two scales
            int q = weights.get(KQuants.LE_INT, block + 4 * run);
            int h = weights.get(KQuants.LE_SHORT, block + HIGH + 2 * run) & 0xFFFF;
            long scales = weights.get(KQuants.LE_LONG, block + SCALES);
            float d = superScale(scales);
            int shift = 16 * (run / 2) + 6 * (run % 2);
            float d0 = d * (2 * (int) (scales >>> shift & 7) + 1);
            float d1 = d * (2 * (int) (scales >>> shift + 3 & 7) + 1);
            a0 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q << 3 & 0x7F8 | h << 11 & 0x3800,
                    IQuantGrids.iq1Delta(h >> 3 & 1), d0, x0, a0);
            a1 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q >>> 5 & 0x7F8 | h << 7 & 0x3800,
                    IQuantGrids.iq1Delta(h >> 7 & 1), d0, x1, a1);
            a0 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q >>> 13 & 0x7F8 | h << 3 & 0x3800,
                    IQuantGrids.iq1Delta(h >> 11 & 1), d1, x2, a0);
            a1 = IQuantGrids.shiftedTimesAt(IQuantGrids.IQ1S, q >>> 21 & 0x7F8 | h >>> 1 & 0x3800,
                    IQuantGrids.iq1Delta(h >> 15), d1, x3, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
