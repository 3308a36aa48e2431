package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reference and vectorised dequantization, bit for bit against the test-side block decoder. */
class KQuantDequantizeTest {

    static void assertBitExact(TensorType type, String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(type + " " + what + ": element " + i + " (block " + i / type.blockSize + ") expected "
                        + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /** Both main-code paths, from an off-heap segment at an odd offset, against the reference. */
    static void check(TensorType type, String what, byte[] data) {
        float[] expected = KQuantReference.dequantize(type, data);
        var format = (VectorBlockFormat) QuantFormats.of(type);
        try (Arena arena = Arena.ofConfined()) {
            long offset = 7;
            MemorySegment segment = KQuantBlocks.offHeap(arena, data, offset);
            float[] scalar = new float[expected.length + 3];
            format.dequantize(segment, offset, scalar, 3, expected.length);
            assertBitExact(type, what + " dequantize", expected, java.util.Arrays.copyOfRange(scalar, 3, scalar.length));
            float[] vector = new float[expected.length + 5];
            format.decode(segment, offset, vector, 5, expected.length);
            assertBitExact(type, what + " decode", expected, java.util.Arrays.copyOfRange(vector, 5, vector.length));
        }
        // heap segments take the same paths
        float[] heap = new float[expected.length];
        QuantFormats.of(type).dequantize(MemorySegment.ofArray(data), 0, heap, 0, expected.length);
        assertBitExact(type, what + " heap dequantize", expected, heap);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void randomBlocksWithAnyFiniteScale(TensorType type) {
        Random random = new Random(42 + type.ordinal());
        check(type, "random", KQuantBlocks.random(type, 96, random, 30));
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void everyScaleValue(TensorType type) {
        check(type, "all scales", KQuantBlocks.allScales(type, new Random(7 + type.ordinal())));
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void edgeBlocks(TensorType type) {
        short maxHalf = 0x7BFF;          // 65504
        short minusMaxHalf = (short) 0xFBFF;
        short tiny = 0x0001;            // smallest subnormal
        short minusZero = (short) 0x8000;
        check(type, "zero", KQuantBlocks.uniform(type, 2, (byte) 0, (short) 0));
        check(type, "all bits, max scale, negative max min", KQuantBlocks.uniform(type, 2, (byte) 0xFF, maxHalf, minusMaxHalf));
        check(type, "all bits, negative scale", KQuantBlocks.uniform(type, 2, (byte) 0xFF, minusMaxHalf, maxHalf));
        check(type, "subnormal scales", KQuantBlocks.uniform(type, 2, (byte) 0x5A, tiny, (short) 0x8001));
        check(type, "minus zero", KQuantBlocks.uniform(type, 2, (byte) 0xA5, minusZero, minusZero));
    }
}
