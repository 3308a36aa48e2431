package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * IQ1_S (1.56 bits per weight): 256 weights in 50 bytes, an fp16 {@code d}, 32 bytes of index low bits (8 weights
 * each), then per 32 weights a 16-bit word: four 3-bit index high parts (indices into {@link IQuantGrids#IQ1S}, whose
 * points are -1, 0, 1, have 11 bits), a 3-bit scale {@code d (2 s + 1)} and in its top bit the sign of the shift
 * {@link IQuantGrids#IQ1_DELTA} added to every point.
 */
final class IQ1_SFormat extends GridFormat {

    private static final int HIGH = 2 + 32;

    IQ1_SFormat() {
        super(TensorType.IQ1_S, 0);
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
}
