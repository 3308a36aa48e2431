package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyReference.QK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Production quantizers must write the same bytes as the reference (ggml's {@code quantize_row_*_ref}). */
class LegacyQuantizeTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void gaussianBlocksOfVariedMagnitude(TensorType type) {
        Random random = new Random(3000 + type.ordinal());
        assertSameBytes(type, LegacyTestData.variedRow(2000, random));
    }

    /**
     * Values that land exactly on k + 0.5 after scaling, where rounding rules differ: each block's scale
     * is pinned to a power of two u (so d = u and id = 1/u exactly), the rest are (k or k + 0.5) * u.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void ties(TensorType type) {
        Random random = new Random(4000 + type.ordinal());
        int blocks = 400;
        float[] x = new float[blocks * QK];
        // k ranges so that the pinned elements stay the block's extremes
        int low = switch (type) {
            case Q8_0 -> -126;
            case Q4_0 -> -7;
            case Q5_0 -> -15;
            default -> 0;
        };
        int high = switch (type) {
            case Q8_0 -> 126;
            case Q4_0 -> 7;
            case Q5_0 -> 15;
            case Q4_1 -> 14;
            default -> 30;
        };
        for (int b = 0; b < blocks; b++) {
            float unit = (float) Math.pow(2, random.nextInt(20) - 10);
            for (int j = 0; j < QK; j++) {
                x[b * QK + j] = (low + random.nextInt(high - low + 1) + 0.5f * random.nextInt(2)) * unit;
            }
            switch (type) {
                case Q8_0 -> x[b * QK] = 127 * unit;
                case Q4_0 -> x[b * QK] = -8 * unit;
                case Q5_0 -> x[b * QK] = -16 * unit;
                default -> {
                    x[b * QK] = 0;
                    x[b * QK + 1] = (type == TensorType.Q4_1 ? 15 : 31) * unit;
                }
            }
        }
        assertSameBytes(type, x);
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void zerosConstantsSignsAndExtremes(TensorType type) {
        Random random = new Random(5000 + type.ordinal());
        float[][] blocks = {
            new float[QK],                                   // all zero: d = 0 (or -0)
            filled(-0f),                                     // negative zeros
            filled(3.25f),                                   // constant: d = 0 for Q4_1/Q5_1
            filled(-7f),
            withAt(LegacyTestData.gaussian(QK, random), 5, 40f),   // positive signed max
            withAt(LegacyTestData.gaussian(QK, random), 9, -40f),  // negative signed max
            withAt(withAt(new float[QK], 3, 2f), 7, -2f),          // equal magnitudes: the first wins
            withAt(withAt(new float[QK], 3, -2f), 7, 2f),
            scaled(LegacyTestData.gaussian(QK, random), 1e5f),     // d beyond fp16 max: inf
            scaled(LegacyTestData.gaussian(QK, random), 2000f),    // d near fp16 max
            scaled(LegacyTestData.gaussian(QK, random), 1e-5f),    // subnormal d
            scaled(LegacyTestData.gaussian(QK, random), 1e-9f),    // d rounds to zero in fp16
            scaled(LegacyTestData.gaussian(QK, random), 1e-38f),   // subnormal floats
        };
        float[] x = new float[blocks.length * QK];
        for (int b = 0; b < blocks.length; b++) {
            System.arraycopy(blocks[b], 0, x, b * QK, QK);
        }
        assertSameBytes(type, x);
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void canQuantize(TensorType type) {
        assertTrue(QuantFormats.of(type).canQuantize());
    }

    /** From an offset in the source, to an offset in the destination, leaving the bytes around alone. */
    private static void assertSameBytes(TensorType type, float[] x) {
        byte[] expected = LegacyReference.quantize(type, x);
        float[] src = new float[x.length + 9];
        System.arraycopy(x, 0, src, 9, x.length);
        byte[] actual = new byte[expected.length + 6];
        Arrays.fill(actual, (byte) 0x5A);
        QuantFormats.of(type).quantize(src, 9, x.length, MemorySegment.ofArray(actual), 3);
        assertArrayEquals(expected, Arrays.copyOfRange(actual, 3, 3 + expected.length), type.name());
        assertArrayEquals(new byte[] {0x5A, 0x5A, 0x5A}, Arrays.copyOfRange(actual, 0, 3));
        assertArrayEquals(new byte[] {0x5A, 0x5A, 0x5A}, Arrays.copyOfRange(actual, actual.length - 3, actual.length));
    }

    private static float[] filled(float value) {
        float[] x = new float[QK];
        Arrays.fill(x, value);
        return x;
    }

    private static float[] withAt(float[] x, int index, float value) {
        x[index] = value;
        return x;
    }

    private static float[] scaled(float[] x, float factor) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= factor;
        }
        return x;
    }
}
