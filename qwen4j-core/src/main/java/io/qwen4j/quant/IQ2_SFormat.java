package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

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

    IQ2_SFormat() {
        super(TensorType.IQ2_S, 0);
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
}
