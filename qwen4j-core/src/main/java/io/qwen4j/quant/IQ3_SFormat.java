package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * IQ3_S (3.44 bits per weight): 256 weights in 110 bytes, an fp16 {@code d}, 64 bytes of index low bits (4 weights
 * each), 8 bytes of index high bits (indices into {@link IQuantGrids#IQ3S} have 9 bits), 32 bytes of explicit signs,
 * then 4 bytes of two 4-bit scales each: per 32 weights {@code d (1 + 2 s)}.
 */
final class IQ3_SFormat extends GridFormat {

    private static final int HIGH = 2 + 64;
    private static final int SIGNS = 2 + 72;
    private static final int SCALES = 2 + 104;

    IQ3_SFormat() {
        super(TensorType.IQ3_S, 0);
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
}
