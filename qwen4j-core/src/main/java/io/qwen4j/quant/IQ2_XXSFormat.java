package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * IQ2_XXS (2.06 bits per weight): 256 weights in 66 bytes, an fp16 {@code d}, then per 32 weights 8 bytes: four
 * indices into {@link IQuantGrids#IQ2XXS} (one per 8 weights) and a 32-bit word holding four 7-bit sign codes
 * ({@link IQuantGrids#KSIGNS}) and, in its top 4 bits, the scale {@code d (0.5 + s) / 4}.
 */
final class IQ2_XXSFormat extends GridFormat {


    IQ2_XXSFormat() {
        super(TensorType.IQ2_XXS, 0);
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
}
