package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The registry serves each legacy format, and element counts that are not whole blocks are refused by name. */
class LegacyArgumentsTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void registeredUnderItsType(TensorType type) {
        assertEquals(type, QuantFormats.of(type).type());
        assertEquals(LegacyReference.blockBytes(type), type.blockBytes);
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void partialBlocksAreRefused(TensorType type) {
        QuantFormat format = QuantFormats.of(type);
        MemorySegment bytes = Arena.ofAuto().allocate(256);
        float[] values = new float[256];
        assertNamesCount(assertThrows(IllegalArgumentException.class, () -> format.dequantize(bytes, 0, values, 0, 33)));
        assertNamesCount(assertThrows(IllegalArgumentException.class, () -> format.dot(bytes, 0, values, 0, 33)));
        assertNamesCount(assertThrows(IllegalArgumentException.class, () -> format.quantize(values, 0, 33, bytes, 0)));
        assertNamesCount(assertThrows(IllegalArgumentException.class,
                () -> format.matmul(bytes, 0, 33, values, 2, new float[8], 4, 0, 1)));
    }

    private static void assertNamesCount(IllegalArgumentException e) {
        assertTrue(e.getMessage().contains("33"), e.getMessage());
    }
}
