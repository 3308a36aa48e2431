package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * IQ3_XXS (3.06 bits per weight): 256 weights in 98 bytes, an fp16 {@code d}, 64 indices into
 * {@link IQuantGrids#IQ3XXS} (4 weights each), then per 32 weights a 32-bit word of four 7-bit sign codes
 * ({@link IQuantGrids#KSIGNS}, one per 8 weights) and, in its top 4 bits, the scale {@code d (0.5 + s) / 2}.
 */
final class IQ3_XXSFormat extends GridFormat {

    private static final int SCALES_AND_SIGNS = 2 + 64;

    IQ3_XXSFormat() {
        super(TensorType.IQ3_XXS, 0);
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
}
