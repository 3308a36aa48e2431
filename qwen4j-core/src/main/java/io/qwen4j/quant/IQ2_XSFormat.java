package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * IQ2_XS (2.31 bits per weight): 256 weights in 74 bytes, an fp16 {@code d}, 32 16-bit codes (per 8 weights: a
 * 9-bit index into {@link IQuantGrids#IQ2XS} and a 7-bit sign code, {@link IQuantGrids#KSIGNS}), then 8 bytes of
 * two 4-bit scales each: per 16 weights {@code d (0.5 + s) / 4}.
 */
final class IQ2_XSFormat extends GridFormat {

    private static final int SCALES = 2 + 64;

    private static final int BLOCK_BYTES = 74;

    IQ2_XSFormat() {
        super(TensorType.IQ2_XS, 0,
                KernelBarrier.find(MethodHandles.lookup(), IQ2_XSFormat.class, "rowsDot", KernelBarrier.ROWS_DOT), 3);
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        float d = KQuants.half(src, block);
        for (int ib32 = 0; ib32 < 8; ib32++) {
            int scales = KQuants.u8(src, block + SCALES + ib32);
            float db0 = IQuantGrids.iq2Scale(d, scales & 0xF);
            float db1 = IQuantGrids.iq2Scale(d, scales >> 4);
            for (int l = 0; l < 4; l++, y += 8) {
                int code = src.get(KQuants.LE_SHORT, block + 2 + 2 * (4 * ib32 + l)) & 0xFFFF;
                IQuantGrids.signed8(IQuantGrids.IQ2XS, code & 511, IQuantGrids.KSIGNS[code >> 9], l < 2 ? db0 : db1, dst, y);
            }
        }
    }

    /** The fused {@link KernelBarrier#ROWS_DOT} kernel: row by row ({@link #rowsDotOneByOne}). */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        rowsDotOneByOne(IQ2_XSFormat::oneRow, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
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
            // the run's four 16-bit codes (9-bit index, 7-bit sign code), two scales; offsets taken out times 8
            long c = weights.get(KQuants.LE_LONG, block + 2 + 8 * run);
            int scales = KQuants.u8(weights, block + SCALES + run);
            float d = KQuants.half(weights, block);
            float d0 = IQuantGrids.iq2Scale(d, scales & 0xF);
            float d1 = IQuantGrids.iq2Scale(d, scales >> 4);
            float[] grid = IQuantGrids.IQ2XS;
            int[] signs = IQuantGrids.CODE_SIGN_BITS;
            a0 = IQuantGrids.signedTimesAt(grid, (int) c << 3 & 0xFF8, signs, (int) (c >>> 6) & 0x3F8, d0, x0, a0);
            a1 = IQuantGrids.signedTimesAt(grid, (int) (c >>> 13) & 0xFF8, signs, (int) (c >>> 22) & 0x3F8, d0, x1, a1);
            a0 = IQuantGrids.signedTimesAt(grid, (int) (c >>> 29) & 0xFF8, signs, (int) (c >>> 38) & 0x3F8, d1, x2, a0);
            a1 = IQuantGrids.signedTimesAt(grid, (int) (c >>> 45) & 0xFF8, signs, (int) (c >>> 54) & 0x3F8, d1, x3, a1);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 8);
    }
}
