package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;

/**
 * IQ1_M (1.75 bits per weight): 256 weights in 56 bytes and no scale field of its own: 32 bytes of index low bits (8
 * weights each), 16 bytes of index high parts (3 bits per 8 weights, indices into {@link IQuantGrids#IQ1S}) each
 * with the sign of its group's shift {@link IQuantGrids#IQ1_DELTA}, then four 16-bit words: 3-bit scales
 * {@code 2 s + 1} per 16 weights in their low 12 bits, and the block's fp16 {@code d} spread over their top 4 bits.
 */
final class IQ1_MFormat extends GridFormat {

    private static final int HIGH = 32;
    private static final int SCALES = 48;

    IQ1_MFormat() {
        super(TensorType.IQ1_M, -1);
    }

    @Override
    void writeScale(MemorySegment block, long at, short half) {
        for (int i = 0; i < 4; i++) {
            long word = at + SCALES + 2 * i;
            int bits = block.get(KQuants.LE_SHORT, word) & 0x0FFF | (half >> 4 * i & 0xF) << 12;
            block.set(KQuants.LE_SHORT, word, (short) bits);
        }
    }

    @Override
    void decodeBlock(MemorySegment src, long block, float[] dst, int y) {
        long scales = src.get(KQuants.LE_LONG, block + SCALES);
        int half = (int) (scales >>> 12 & 0xF | scales >>> 24 & 0xF0 | scales >>> 36 & 0xF00 | scales >>> 48 & 0xF000);
        float d = Float.float16ToFloat((short) half);
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
}
