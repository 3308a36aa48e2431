package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ2_S (2.56 bits per weight): 256 weights in 82 bytes, an fp16 {@code d}, 32 bytes of index low bits (per 8
 * weights), 32 bytes of explicit signs (one bit per weight), 8 bytes of index high bits (2 per 8 weights: indices
 * into {@link IQuantGrids#IQ2S} have 10 bits), then 8 bytes of two 4-bit scales each, {@code d (0.5 + s) / 4} per 16
 * weights.
 */
final class IQ2_SFormat extends GridFormat {

    private static final int SIGNS = 2 + 32;
    private static final int HIGH = 2 + 64;
    private static final int SCALES = 2 + 72;

    private static final int BLOCK_BYTES = 82;

    IQ2_SFormat() {
        super(TensorType.IQ2_S, 0,
                KernelBarrier.find(MethodHandles.lookup(), IQ2_SFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 2);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        float d = KQuants.half(src, block);
        for (int ib32 = 0; ib32 < 8; ib32++) {
            int scales = KQuants.u8(src, block + SCALES + ib32);
            float db0 = IQuantGrids.iq2Scale(d, scales & 0xF);
            float db1 = IQuantGrids.iq2Scale(d, scales >> 4);
            int high = KQuants.u8(src, block + HIGH + ib32);
            for (int l = 0; l < 4; l++, y += 8) {
                int entry = KQuants.u8(src, block + 2 + 4 * ib32 + l) | (high << (8 - 2 * l) & 0x300);
                int signs = KQuants.u8(src, block + SIGNS + 4 * ib32 + l);
                IQuantGrids.signed8(IQuantGrids.IQ2S, entry, signs, l < 2 ? db0 : db1, dst, y);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ2_SFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
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
            // the run's four index bytes, their 2-bit high parts, four sign bytes, two scales; offsets taken out times 8
            int q = weights.get(KQuants.LE_INT, block + 2 + 4 * run);
            int h = KQuants.u8(weights, block + HIGH + run);
            int s = weights.get(KQuants.LE_INT, block + SIGNS + 4 * run);
            int scales = KQuants.u8(weights, block + SCALES + run);
            float d = KQuants.half(weights, block);
            float d0 = IQuantGrids.iq2Scale(d, scales & 0xF);
            float d1 = IQuantGrids.iq2Scale(d, scales >> 4);
            a0 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2S, q << 3 & 0x7F8 | h << 11 & 0x1800, IQuantGrids.SIGN_BITS,
                    s << 3 & 0x7F8, d0, x0, a0);
            a1 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2S, q >>> 5 & 0x7F8 | h << 9 & 0x1800, IQuantGrids.SIGN_BITS,
                    s >>> 5 & 0x7F8, d0, x1, a1);
            a0 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2S, q >>> 13 & 0x7F8 | h << 7 & 0x1800, IQuantGrids.SIGN_BITS,
                    s >>> 13 & 0x7F8, d1, x2, a0);
            a1 = IQuantGrids.signedTimesAt(IQuantGrids.IQ2S, q >>> 21 & 0x7F8 | h << 5 & 0x1800, IQuantGrids.SIGN_BITS,
                    s >>> 21 & 0x7F8, d1, x3, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
