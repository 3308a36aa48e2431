package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The reference quantizers of every k-quant and IQ4 format: bit-exact against the test transcription of ggml's, and round trips. */
class KQuantQuantizeTest {

    /** Rows of 512 values: several distributions, each at magnitudes from 1e-8 to 1e5. */
    static float[][] inputs(Random random) {
        java.util.List<float[]> rows = new java.util.ArrayList<>();
        for (double magnitude : new double[] {1e-8, 1e-4, 0.02, 1, 37, 1e5}) {
            for (int kind = 0; kind < 7; kind++) {
                float[] x = new float[512];
                for (int i = 0; i < x.length; i++) {
                    double g = random.nextGaussian();
                    x[i] = (float) (magnitude * switch (kind) {
                        case 0 -> g;                                   // symmetric
                        case 1 -> Math.abs(g) + 0.5;                   // all positive: min clamps to 0
                        case 2 -> -Math.abs(g) - 0.1;                  // all negative
                        case 3 -> i % 37 == 0 ? 20 * g : 0.01 * g;     // rare outliers
                        case 4 -> i < 256 ? 0 : g;                     // a zero block, then a normal one
                        case 5 -> 1.0;                                 // constant: max == min
                        default -> random.nextInt(5) - 2;              // few distinct values
                    });
                }
                rows.add(x);
            }
        }
        return rows.toArray(new float[0][]);
    }

    static byte[] quantizeWithMain(TensorType type, float[] x) {
        int bytes = (int) type.bytesFor(x.length);
        try (Arena arena = Arena.ofConfined()) {
            // garbage in the destination must not leak into the result
            MemorySegment dst = arena.allocate(bytes + 8);
            dst.fill((byte) 0xCD);
            float[] padded = new float[x.length + 4];
            System.arraycopy(x, 0, padded, 4, x.length);
            QuantFormats.of(type).quantize(padded, 4, x.length, dst, 5);
            return dst.asSlice(5, bytes).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static byte[] quantizeWithReference(TensorType type, float[] x) {
        return switch (type) {
            case Q4_K -> KQuantizerReference.quantizeQ45K(x, false);
            case Q5_K -> KQuantizerReference.quantizeQ45K(x, true);
            case Q6_K -> KQuantizerReference.quantizeQ6K(x);
            case IQ4_NL -> LowBitQuantizerReference.quantizeIQ4NL(x);
            case Q2_K -> LowBitQuantizerReference.quantizeQ2K(x);
            case IQ4_XS -> LowBitQuantizerReference.quantizeIQ4XS(x);
            case Q3_K -> LowBitQuantizerReference.quantizeQ3K(x);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void bitExactAgainstReferenceAlgorithm(TensorType type) {
        assertTrue(QuantFormats.of(type).canQuantize());
        float[][] rows = inputs(new Random(300 + type.ordinal()));
        for (int r = 0; r < rows.length; r++) {
            byte[] expected = quantizeWithReference(type, rows[r]);
            byte[] actual = quantizeWithMain(type, rows[r]);
            for (int i = 0; i < expected.length; i++) {
                if (expected[i] != actual[i]) {
                    fail(type + " input row " + r + ": byte " + i + " (block " + i / type.blockBytes + ", offset "
                            + i % type.blockBytes + ") expected " + expected[i] + " but was " + actual[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4"})
    void roundTripErrorIsWithinTheFormatsPrecision(TensorType type) {
        double bound = switch (type) {
            case Q4_K -> 0.10;
            case Q5_K -> 0.05;
            case IQ4_NL, IQ4_XS -> 0.10;
            case Q2_K -> 0.35;
            case Q3_K -> 0.20;
            // a power-of-two scale leaves a block's largest weight anywhere in [8d, 16d): coarser than a fitted one
            case MXFP4 -> 0.15;
            default -> 0.025;
        };
        Random random = new Random(400 + type.ordinal());
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 0.05);
        }
        byte[] q = quantizeWithMain(type, x);
        float[] back = KQuantReference.dequantize(type, q);
        double err = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            err += (back[i] - x[i]) * (double) (back[i] - x[i]);
            norm += x[i] * (double) x[i];
        }
        double relative = Math.sqrt(err / norm);
        assertTrue(relative < bound, type + " relative RMS error " + relative + " over " + bound);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4"})
    void zeroInputQuantizesToZeros(TensorType type) {
        float[] x = new float[512];
        byte[] q = quantizeWithMain(type, x);
        float[] back = KQuantReference.dequantize(type, q);
        for (float v : back) {
            assertEquals(0f, v, 0f); // some give -0.0 (Q6_K: 0 * -32), as ggml does
        }
    }
}
