package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Production dequantization must equal the reference bit for bit (ggml's {@code dequantize_row_*}). */
class LegacyDequantizeTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void randomBlocksWithAnyFiniteScale(TensorType type) {
        Random random = new Random(1000 + type.ordinal());
        assertBitExact(type, LegacyTestData.randomBlocks(type, 300, random, LegacyTestData::anyFiniteHalf));
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void edgeScalesZeroSubnormalAndMax(TensorType type) {
        assertBitExact(type, LegacyTestData.edgeBlocks(type, new Random(2000 + type.ordinal())));
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void extremeCodesAllZeroAndAllOnes(TensorType type) {
        int size = LegacyReference.blockBytes(type);
        byte[] blocks = new byte[4 * size];
        for (int b = 2; b < 4; b++) {
            java.util.Arrays.fill(blocks, b * size, (b + 1) * size, (byte) (b == 2 ? 0xFF : 0x80));
        }
        for (int b = 0; b < 4; b++) {
            LegacyTestData.putShort(blocks, b * size, (short) 0x3C00);
            if (LegacyReference.hasMin(type)) {
                LegacyTestData.putShort(blocks, b * size + 2, (short) 0xBC00);
            }
        }
        assertBitExact(type, blocks);
    }

    /** At an unaligned segment offset, into the middle of the output, from native memory as when mapped. */
    private static void assertBitExact(TensorType type, byte[] blocks) {
        int size = LegacyReference.blockBytes(type);
        int count = blocks.length / size * LegacyReference.QK;
        float[] expected = LegacyReference.dequantize(type, blocks, 0, count);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(blocks.length + 3);
            MemorySegment.copy(blocks, 0, segment, ValueLayout.JAVA_BYTE, 3, blocks.length);
            float[] actual = new float[count + 7];
            QuantFormats.of(type).dequantize(segment, 3, actual, 5, count);
            for (int i = 0; i < count; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[5 + i]),
                        () -> type + " element differs");
            }
            assertEquals(0f, actual[4]);
            assertEquals(0f, actual[count + 5]);
        }
    }
}
