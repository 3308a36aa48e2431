package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyReference.QK;
import static io.qwen4j.quant.LegacyReference.blockBytes;
import static io.qwen4j.quant.LegacyReference.hasMin;

import io.qwen4j.tensor.TensorType;
import java.util.Random;

/** Seeded test inputs for the legacy formats: raw blocks with chosen scales, and float rows. */
final class LegacyTestData {

    /** fp16 bit patterns at the edges: zeros, smallest/largest subnormal, smallest normal, max, 1. */
    static final short[] EDGE_HALVES = {
        0x0000, (short) 0x8000, 0x0001, (short) 0x8001, 0x03FF, 0x0400, 0x7BFF, (short) 0xFBFF, 0x3C00, (short) 0xBC00
    };

    private LegacyTestData() {
    }

    /** Any finite half, either sign. */
    static short anyFiniteHalf(Random random) {
        return (short) (random.nextInt(0x7C00) | (random.nextBoolean() ? 0x8000 : 0));
    }

    /** A half of moderate size (about 2^-10 .. 2^3), either sign: realistic weight scales. */
    static short moderateHalf(Random random) {
        int exponent = 5 + random.nextInt(13);
        return (short) (exponent << 10 | random.nextInt(1024) | (random.nextBoolean() ? 0x8000 : 0));
    }

    /** Random codes in every block, with scales from {@code scales}. */
    static byte[] randomBlocks(TensorType type, int blocks, Random random, ScaleSource scales) {
        byte[] bytes = new byte[blocks * blockBytes(type)];
        random.nextBytes(bytes);
        for (int b = 0; b < blocks; b++) {
            int at = b * blockBytes(type);
            putShort(bytes, at, scales.next(random));
            if (hasMin(type)) {
                putShort(bytes, at + 2, scales.next(random));
            }
        }
        return bytes;
    }

    /** Blocks with every scale an edge half, cycling through {@link #EDGE_HALVES}. */
    static byte[] edgeBlocks(TensorType type, Random random) {
        int[] counter = {0};
        int n = EDGE_HALVES.length;
        return randomBlocks(type, n * n, random, r -> EDGE_HALVES[counter[0]++ % n]);
    }

    interface ScaleSource {
        short next(Random random);
    }

    /** Gaussian values, each block at its own magnitude 10^-6 .. 10^4. */
    static float[] variedRow(int blocks, Random random) {
        float[] x = new float[blocks * QK];
        for (int b = 0; b < blocks; b++) {
            double magnitude = Math.pow(10, -6 + 10 * random.nextDouble());
            for (int j = 0; j < QK; j++) {
                x[b * QK + j] = (float) (random.nextGaussian() * magnitude);
            }
        }
        return x;
    }

    static float[] gaussian(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    static void putShort(byte[] bytes, int at, short value) {
        bytes[at] = (byte) value;
        bytes[at + 1] = (byte) (value >> 8);
    }
}
