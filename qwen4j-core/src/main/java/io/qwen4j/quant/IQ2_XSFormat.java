package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * IQ2_XS (2.31 bits per weight): 256 weights in 74 bytes, an fp16 {@code d}, 32 16-bit codes (per 8 weights: a
 * 9-bit index into {@link IQuantGrids#IQ2XS} and a 7-bit sign code, {@link IQuantGrids#KSIGNS}), then 8 bytes of
 * two 4-bit scales each: per 16 weights {@code d (0.5 + s) / 4}.
 */
final class IQ2_XSFormat extends GridFormat {

    private static final int SCALES = 2 + 64;

    IQ2_XSFormat() {
        super(TensorType.IQ2_XS, 0);
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
}
