package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ3_S (3.44 bits per weight): 256 weights in 110 bytes, an fp16 {@code d}, 64 bytes of index low bits (4 weights
 * each), 8 bytes of index high bits (indices into {@link IQuantGrids#IQ3S} have 9 bits), 32 bytes of explicit signs,
 * then 4 bytes of two 4-bit scales each: per 32 weights {@code d (1 + 2 s)}.
 */
final class IQ3_SFormat extends GridFormat {

    private static final int HIGH = 2 + 64;
    private static final int SIGNS = 2 + 72;
    private static final int SCALES = 2 + 104;

    private static final int BLOCK_BYTES = 110;

    IQ3_SFormat() {
        super(TensorType.IQ3_S, 0,
                KernelBarrier.find(MethodHandles.lookup(), IQ3_SFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 2);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        float d = KQuants.half(src, block);
        for (int ib32 = 0; ib32 < 8; ib32++) {
            int scales = KQuants.u8(src, block + SCALES + ib32 / 2);
            float db = d * (1 + 2 * (ib32 % 2 == 0 ? scales & 0xF : scales >> 4));
            int high = KQuants.u8(src, block + HIGH + ib32);
            long entries = block + 2 + 8 * ib32;
            for (int l = 0; l < 4; l++, y += 8) {
                int signs = KQuants.u8(src, block + SIGNS + 4 * ib32 + l);
                int first = KQuants.u8(src, entries + 2 * l) | (high << (8 - 2 * l) & 256);
                int second = KQuants.u8(src, entries + 2 * l + 1) | (high << (7 - 2 * l) & 256);
                IQuantGrids.signed4(IQuantGrids.IQ3S, first, signs, 0, db, dst, y);
                IQuantGrids.signed4(IQuantGrids.IQ3S, second, signs, 1, db, dst, y + 4);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ3_SFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * Row {@code row} times x, each 8 weights decoded in registers as {@link #decodeBlock} decodes them (two grid
     * entries of 4, see {@link IQuantGrids#IQ3S_LOW}) and added in {@link FloatDots}' order: group {@code l} of a
     * 32-weight run to accumulator {@code l % 2}. One loop step per run, its fields read once: taking two rows per
     * step, as the other grid formats do, their ten reads per 16 weights overran C2's node budget, and per 8 weights
     * they ran at 3 GFLOP/s.
     */
    private static void oneRow(MemorySegment weights, long row, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a0 = FloatVector.zero(FloatDots.F);
        var a1 = FloatVector.zero(FloatDots.F);
        for (int k = 0; k < count; k += 32) {
            long block = row + (long) (k >> 8) * BLOCK_BYTES;
            int run = (k & 224) >> 5;
            // the run's eight index bytes, their eight high bits, four sign bytes; offsets taken out times 8
            long e = weights.get(KQuants.LE_LONG, block + 2 + 8 * run);
            int h = KQuants.u8(weights, block + HIGH + run);
            int s = weights.get(KQuants.LE_INT, block + SIGNS + 4 * run);
            float d = KQuants.half(weights, block)
                    * (1 + 2 * (KQuants.u8(weights, block + SCALES + run / 2) >> 4 * (run & 1) & 0xF));
            a0 = IQuantGrids.lowPairSignedTimesAt(IQuantGrids.IQ3S_LOW, (int) e << 3 & 0x7F8 | h << 11 & 0x800,
                    (int) (e >>> 5) & 0x7F8 | h << 10 & 0x800, IQuantGrids.SIGN_BITS, s << 3 & 0x7F8, d,
                    FloatVector.fromArray(FloatDots.F, x, xOffset + k), a0);
            a1 = IQuantGrids.lowPairSignedTimesAt(IQuantGrids.IQ3S_LOW, (int) (e >>> 13) & 0x7F8 | h << 9 & 0x800,
                    (int) (e >>> 21) & 0x7F8 | h << 8 & 0x800, IQuantGrids.SIGN_BITS, s >>> 5 & 0x7F8, d,
                    FloatVector.fromArray(FloatDots.F, x, xOffset + k + 8), a1);
            a0 = IQuantGrids.lowPairSignedTimesAt(IQuantGrids.IQ3S_LOW, (int) (e >>> 29) & 0x7F8 | h << 7 & 0x800,
                    (int) (e >>> 37) & 0x7F8 | h << 6 & 0x800, IQuantGrids.SIGN_BITS, s >>> 13 & 0x7F8, d,
                    FloatVector.fromArray(FloatDots.F, x, xOffset + k + 16), a0);
            a1 = IQuantGrids.lowPairSignedTimesAt(IQuantGrids.IQ3S_LOW, (int) (e >>> 45) & 0x7F8 | h << 5 & 0x800,
                    (int) (e >>> 53) & 0x7F8 | h << 4 & 0x800, IQuantGrids.SIGN_BITS, s >>> 21 & 0x7F8, d,
                    FloatVector.fromArray(FloatDots.F, x, xOffset + k + 24), a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
