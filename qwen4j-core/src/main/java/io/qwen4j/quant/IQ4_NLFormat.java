package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_NL: 32 weights in 18 bytes, {@code w = d * kvalues[q]} with a 4-bit index into the fixed
 * non-linear table {@link KQuants#KVALUES_IQ4NL}.
 *
 * <p>Block ({@code block_iq4_nl}): {@code d} (fp16), 16 bytes; byte {@code j} holds weight {@code j} in
 * its low nibble and weight {@code j + 16} in its high nibble.
 */
final class IQ4_NLFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 18;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** The table as a vector, so a shuffle does the 16-way lookup of all nibbles at once. */
    static final ByteVector TABLE = ByteVector.fromArray(B, KQuants.KVALUES_IQ4NL, 0);

    @Override
    public TensorType type() {
        return TensorType.IQ4_NL;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / 32 * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            for (int j = 0; j < 16; j++) {
                int q = KQuants.u8(src, block + 2 + j);
                dst[out + j] = d * KQuants.KVALUES_IQ4NL[q & 0xF];
                dst[out + j + 16] = d * KQuants.KVALUES_IQ4NL[q >>> 4];
            }
            out += 32;
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / 32 * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            decode16(ByteVector.fromMemorySegment(B, src, block + 2, ByteOrder.LITTLE_ENDIAN), KQuants.half(src, block), dst, out);
            out += 32;
        }
    }

    /** Looks up 16 bytes of nibble pairs and writes {@code scale * value}: low nibbles at out, high at out + 16. */
    static void decode16(ByteVector nibbles, float scale, float[] dst, int out) {
        var low = nibbles.and((byte) 0xF).selectFrom(TABLE);
        var high = nibbles.lanewise(VectorOperators.LSHR, 4).selectFrom(TABLE);
        toFloats(low, 0).mul(scale).intoArray(dst, out);
        toFloats(low, 1).mul(scale).intoArray(dst, out + 8);
        toFloats(high, 0).mul(scale).intoArray(dst, out + 16);
        toFloats(high, 1).mul(scale).intoArray(dst, out + 24);
    }

    private static FloatVector toFloats(ByteVector bytes, int part) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, FloatDots.F, part);
    }
}
