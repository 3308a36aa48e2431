package io.qwen4j.quant;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Test inputs for the block formats: random blocks with finite fp16 fields, and edge blocks. */
final class KQuantBlocks {

    static final TensorType[] TYPES = {
        TensorType.Q2_K, TensorType.Q3_K, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K,
        TensorType.IQ4_NL, TensorType.IQ4_XS
    };

    private KQuantBlocks() {
    }

    /** Byte offsets of the fp16 fields in one block. */
    static int[] halfFields(TensorType type) {
        return switch (type) {
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            case IQ4_NL, IQ4_XS, IQ1_S, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S -> new int[] {0};
            // IQ1_M's fp16 scale is spread over four nibbles: see setIq1mScale
            case IQ1_M -> new int[0];
            // MXFP4's scale is an exponent byte: see random
            case MXFP4 -> new int[0];
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static short randomFiniteHalf(Random random, int maxExponent) {
        while (true) {
            int bits = random.nextInt(0x10000);
            int exponent = (bits >> 10) & 0x1F;
            if (exponent != 0x1F && exponent <= maxExponent) {
                return (short) bits;
            }
        }
    }

    static void setHalf(byte[] data, int at, short half) {
        data[at] = (byte) half;
        data[at + 1] = (byte) (half >> 8);
    }

    /** Random bytes; every fp16 field a random finite half with biased exponent at most {@code maxExponent}. */
    static byte[] random(TensorType type, int blocks, Random random, int maxExponent) {
        byte[] data = new byte[blocks * type.blockBytes];
        random.nextBytes(data);
        for (int b = 0; b < blocks; b++) {
            for (int field : halfFields(type)) {
                setHalf(data, b * type.blockBytes + field, randomFiniteHalf(random, maxExponent));
            }
            if (type == TensorType.IQ1_M) {
                setIq1mScale(data, b * type.blockBytes, randomFiniteHalf(random, maxExponent));
            }
            if (type == TensorType.MXFP4) {
                // weights of magnitude ~2^-17 to ~2^16, as fp16 scales give the others
                data[b * type.blockBytes] = (byte) (110 + random.nextInt(31));
            }
        }
        return data;
    }

    /** IQ1_M's scale: nibble {@code i} of the fp16 is the top nibble of the block's 16-bit scale word {@code i}. */
    static void setIq1mScale(byte[] data, int block, short half) {
        for (int i = 0; i < 4; i++) {
            int at = block + 49 + 2 * i;
            data[at] = (byte) (data[at] & 0x0F | ((half >> 4 * i) & 0xF) << 4);
        }
    }

    /** Blocks with every fp16 field set to {@code half} and all other bytes {@code fill}. */
    static byte[] uniform(TensorType type, int blocks, byte fill, short... halves) {
        byte[] data = new byte[blocks * type.blockBytes];
        java.util.Arrays.fill(data, fill);
        int[] fields = halfFields(type);
        for (int b = 0; b < blocks; b++) {
            for (int f = 0; f < fields.length; f++) {
                setHalf(data, b * type.blockBytes + fields[f], halves[f % halves.length]);
            }
        }
        return data;
    }

    /**
     * Blocks that together use every value of every scale field: block v has all its scales v (and, for
     * the formats with mins, all mins 63 - v); Q6_K walks its int8 scales over -128..127.
     */
    static byte[] allScales(TensorType type, Random random) {
        int blocks = type == TensorType.Q6_K ? 16 : 64;
        byte[] data = random(type, blocks, random, 16);
        for (int v = 0; v < blocks; v++) {
            int base = v * type.blockBytes;
            switch (type) {
                case Q2_K -> {
                    for (int s = 0; s < 16; s++) {
                        data[base + s] = (byte) ((v & 15) | ((15 - (v & 15)) << 4));
                    }
                }
                case Q3_K -> {
                    int h = (v >> 4) & 3;
                    for (int s = 0; s < 8; s++) {
                        data[base + 96 + s] = (byte) ((v & 15) | ((v & 15) << 4));
                    }
                    for (int s = 8; s < 12; s++) {
                        data[base + 96 + s] = (byte) (h | (h << 2) | (h << 4) | (h << 6));
                    }
                }
                case Q4_K, Q5_K -> {
                    int m = 63 - v;
                    for (int j = 0; j < 4; j++) {
                        data[base + 4 + j] = (byte) (v | ((v >> 4) << 6));
                        data[base + 8 + j] = (byte) (m | ((m >> 4) << 6));
                        data[base + 12 + j] = (byte) ((v & 15) | ((m & 15) << 4));
                    }
                }
                case Q6_K -> {
                    for (int s = 0; s < 16; s++) {
                        data[base + 192 + s] = (byte) (16 * v + s - 128);
                    }
                }
                case IQ4_XS -> {
                    int h = (v >> 4) & 3;
                    setHalf(data, base + 2, (short) (h * 0x5555));
                    for (int s = 0; s < 4; s++) {
                        data[base + 4 + s] = (byte) ((v & 15) | ((v & 15) << 4));
                    }
                }
                case IQ4_NL -> {
                    // no scale field besides d: every nibble value instead
                    for (int j = 0; j < 16; j++) {
                        data[base + 2 + j] = (byte) (j | ((15 - j) << 4));
                    }
                }
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return data;
    }

    /** Copies {@code data} into an off-heap segment at an odd offset, so nothing relies on alignment. */
    static MemorySegment offHeap(Arena arena, byte[] data, long offset) {
        MemorySegment segment = arena.allocate(data.length + offset + 16);
        MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_BYTE, offset, data.length);
        return segment;
    }
}
