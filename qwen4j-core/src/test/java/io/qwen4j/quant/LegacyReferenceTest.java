package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.tensor.TensorType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Anchors the test reference itself to the format descriptions with hand-decoded examples, so the
 * production comparisons rest on something a reader can check by eye.
 */
class LegacyReferenceTest {

    @Test
    void halfConversionRoundsToNearestEvenAndOverflowsAt65520() {
        assertEquals(0x3C00, LegacyReference.floatToHalf(1f));
        assertEquals((short) 0xC000, LegacyReference.floatToHalf(-2f));
        assertEquals(0x7BFF, LegacyReference.floatToHalf(65504f));
        assertEquals(0x7BFF, LegacyReference.floatToHalf(65519.996f));
        assertEquals(0x7C00, LegacyReference.floatToHalf(65520f));
        assertEquals(0x0001, LegacyReference.floatToHalf((float) Math.pow(2, -24)));
        assertEquals(0x0000, LegacyReference.floatToHalf((float) Math.pow(2, -25)));       // tie -> even 0
        assertEquals(0x0002, LegacyReference.floatToHalf((float) (3 * Math.pow(2, -25)))); // tie -> even 2
        assertEquals(0x3C00, LegacyReference.floatToHalf(1f + (float) Math.pow(2, -11)));  // tie -> even
        assertEquals(0x3C02, LegacyReference.floatToHalf(1f + (float) (3 * Math.pow(2, -11))));
        assertEquals((short) 0x8000, LegacyReference.floatToHalf(-0f));
        assertEquals(1.5f, LegacyReference.halfToFloat((short) 0x3E00));
        assertEquals((float) Math.pow(2, -24), LegacyReference.halfToFloat((short) 0x0001));
        assertEquals(-65504f, LegacyReference.halfToFloat((short) 0xFBFF));
    }

    /** Production relies on the JDK's conversions; they must agree with the table-search reference. */
    @Test
    void jdkHalfConversionsAgreeWithTheReference() {
        Random random = new Random(11);
        for (int bits = 0; bits < 0x10000; bits++) {
            if ((bits & 0x7C00) != 0x7C00) {
                assertEquals(Float.floatToIntBits(LegacyReference.halfToFloat((short) bits)),
                        Float.floatToIntBits(Float.float16ToFloat((short) bits)), "half " + bits);
            }
        }
        for (int i = 0; i < 200_000; i++) {
            float value = i % 2 == 0
                    ? Float.intBitsToFloat(random.nextInt()) // any float, mostly huge or tiny
                    : (float) (random.nextGaussian() * Math.pow(2, random.nextInt(40) - 30));
            if (Float.isFinite(value)) {
                assertEquals(LegacyReference.floatToHalf(value), Float.floatToFloat16(value), "float " + value);
            }
        }
    }

    @Test
    void q4_0NibblesAreElementJLowAndElementJPlus16High() {
        byte[] block = new byte[18];
        LegacyTestData.putShort(block, 0, (short) 0x3C00); // d = 1
        block[2] = (byte) 0xF0;                             // element 0: 0 - 8, element 16: 15 - 8
        block[17] = (byte) 0x9A;                            // element 15: 10 - 8, element 31: 9 - 8
        float[] v = LegacyReference.dequantize(TensorType.Q4_0, block, 0, 32);
        assertEquals(-8f, v[0]);
        assertEquals(7f, v[16]);
        assertEquals(2f, v[15]);
        assertEquals(1f, v[31]);
        assertEquals(-8f, v[1]);
    }

    @Test
    void q5FifthBitOfElementJIsBitJOfQh() {
        byte[] block = new byte[24];
        LegacyTestData.putShort(block, 0, (short) 0x4000);  // d = 2
        LegacyTestData.putShort(block, 2, (short) 0xBC00);  // m = -1
        block[4] = 0x01;                                     // qh bit 0: element 0
        block[6] = 0x02;                                     // qh bit 17: element 17
        block[8] = 0x35;                                     // element 0 low nibble 5, element 16 high nibble 3
        block[9] = 0x40;                                     // element 1: 0, element 17: 4
        float[] v = LegacyReference.dequantize(TensorType.Q5_1, block, 0, 32);
        assertEquals((16 + 5) * 2f - 1f, v[0]);
        assertEquals(3 * 2f - 1f, v[16]);
        assertEquals(-1f, v[1]);
        assertEquals((16 + 4) * 2f - 1f, v[17]);

        byte[] q50 = new byte[22];
        LegacyTestData.putShort(q50, 0, (short) 0x3C00);
        q50[5] = (byte) 0x80;                                // qh bit 31: element 31
        q50[21] = (byte) 0xF0;                               // element 15: 0, element 31: 15
        float[] w = LegacyReference.dequantize(TensorType.Q5_0, q50, 0, 32);
        assertEquals(15f, w[31]);
        assertEquals(-16f, w[15]);
    }

    @Test
    void q8_0IsSignedBytesTimesD() {
        byte[] block = new byte[34];
        LegacyTestData.putShort(block, 0, (short) 0x3800); // d = 0.5
        block[2] = (byte) -128;
        block[3] = 127;
        float[] v = LegacyReference.dequantize(TensorType.Q8_0, block, 0, 32);
        assertEquals(-64f, v[0]);
        assertEquals(63.5f, v[1]);
    }

    @Test
    void packIsTheInverseOfUnpack() {
        Random random = new Random(5);
        for (TensorType type : new TensorType[] {TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1}) {
            byte[] blocks = LegacyTestData.randomBlocks(type, 20, random, LegacyTestData::anyFiniteHalf);
            byte[] repacked = new byte[blocks.length];
            int size = LegacyReference.blockBytes(type);
            for (int b = 0; b < 20; b++) {
                LegacyReference.pack(type, LegacyReference.unpack(type, blocks, b * size), repacked, b * size);
            }
            assertArrayEquals(blocks, repacked, type.name());
        }
    }

    @Test
    void referenceQuantizerRoundsTiesAwayFromZeroAndMapsTheSignedMaxToTheLowestCode() {
        float[] x = new float[32];
        x[0] = 127f;    // d = 1
        x[1] = 0.5f;
        x[2] = -0.5f;
        x[3] = 2.5f;
        x[4] = -2.5f;
        var q8 = LegacyReference.unpack(TensorType.Q8_0, LegacyReference.quantize(TensorType.Q8_0, x), 0);
        assertEquals(0x3C00, q8.d());
        assertArrayEquals(new int[] {127, 1, -1, 3, -3}, java.util.Arrays.copyOf(q8.codes(), 5));

        float[] y = new float[32];
        y[0] = 4f;
        y[1] = -8f;  // largest magnitude: d = -8 / -8 = 1, code 0
        y[2] = 8f;   // +8 would be code 16: clipped to 15
        y[3] = 0.5f; // 0.5 + 8.5 = 9
        var q4 = LegacyReference.unpack(TensorType.Q4_0, LegacyReference.quantize(TensorType.Q4_0, y), 0);
        assertEquals(0x3C00, q4.d());
        assertArrayEquals(new int[] {12, 0, 15, 9, 8}, java.util.Arrays.copyOf(q4.codes(), 5));

        var zero = LegacyReference.unpack(TensorType.Q4_0, LegacyReference.quantize(TensorType.Q4_0, new float[32]), 0);
        assertEquals((short) 0x8000, zero.d()); // 0 / -8 is -0
        assertEquals(8, zero.codes()[0]);
    }
}
