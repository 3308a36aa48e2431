package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;

/**
 * IQ4_XS: 256 weights in 136 bytes, {@code w = d * (scale_j - 32) * kvalues[q]}: IQ4_NL's table with a
 * 6-bit scale per 32 weights.
 *
 * <p>Block ({@code block_iq4_xs}): {@code d} (fp16), {@code scales_h} (u16: 2 high scale bits per
 * sub-block), {@code scales_l} (4 bytes: a low nibble per sub-block), 128 bytes of nibbles laid out per
 * 32-weight sub-block as in IQ4_NL.
 */
final class IQ4_XSFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 136;

    @Override
    public TensorType type() {
        return TensorType.IQ4_XS;
    }

    /** Sub-block {@code ib}'s scale, already minus 32. */
    static int scale(MemorySegment src, long block, int ib) {
        int low = (KQuants.u8(src, block + 4 + ib / 2) >>> (4 * (ib % 2))) & 0xF;
        int high = ((src.get(KQuants.LE_SHORT, block + 2) & 0xFFFF) >>> (2 * ib)) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            for (int ib = 0; ib < 8; ib++) {
                float dl = d * scale(src, block, ib);
                long qs = block + 8 + 16 * ib;
                for (int j = 0; j < 16; j++) {
                    int q = KQuants.u8(src, qs + j);
                    dst[out + j] = dl * KQuants.KVALUES_IQ4NL[q & 0xF];
                    dst[out + j + 16] = dl * KQuants.KVALUES_IQ4NL[q >>> 4];
                }
                out += 32;
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            for (int ib = 0; ib < 8; ib++) {
                var nibbles = ByteVector.fromMemorySegment(IQ4_NLFormat.B, src, block + 8 + 16 * ib, ByteOrder.LITTLE_ENDIAN);
                IQ4_NLFormat.decode16(nibbles, d * scale(src, block, ib), dst, out);
                out += 32;
            }
        }
    }
}
