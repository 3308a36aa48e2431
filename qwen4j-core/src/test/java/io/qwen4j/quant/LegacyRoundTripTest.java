package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyReference.QK;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * quantize then dequantize stays within the format's resolution. Per element the error is at most the
 * rounding step (half a step; a whole step at the clipped +8 / +16 end of Q4_0 / Q5_0) plus what storing
 * d and m in fp16 (relative error 2^-11) adds across the code range.
 */
class LegacyRoundTripTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void errorWithinTheStepOfEachBlock(TensorType type) {
        Random random = new Random(10_000 + type.ordinal());
        QuantFormat format = QuantFormats.of(type);
        int blocks = 500;
        float[] x = new float[blocks * QK];
        for (int b = 0; b < blocks; b++) {
            double magnitude = Math.pow(10, -2 + 4 * random.nextDouble()); // keeps d a normal fp16
            double shift = random.nextBoolean() ? 0 : random.nextGaussian() * magnitude;
            for (int j = 0; j < QK; j++) {
                x[b * QK + j] = (float) (random.nextGaussian() * magnitude + shift);
            }
        }
        byte[] bytes = new byte[(int) type.bytesFor(x.length)];
        format.quantize(x, 0, x.length, MemorySegment.ofArray(bytes), 0);
        float[] y = new float[x.length];
        format.dequantize(MemorySegment.ofArray(bytes), 0, y, 0, x.length);

        boolean symmetric = type == TensorType.Q8_0 || type == TensorType.Q4_0 || type == TensorType.Q5_0;
        int codeRange = switch (type) {
            case Q8_0 -> 127;
            case Q4_0, Q4_1 -> 15;
            default -> 31;
        };
        double stepFraction = type == TensorType.Q4_0 || type == TensorType.Q5_0 ? 1.0 : 0.5;
        double worstRatio = 0;
        for (int b = 0; b < blocks; b++) {
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                min = Math.min(min, x[b * QK + j]);
                max = Math.max(max, x[b * QK + j]);
            }
            double amax = Math.max(Math.abs(min), Math.abs(max));
            double step = symmetric ? amax / (type == TensorType.Q8_0 ? 127 : codeRange / 2 + 1) : (max - min) / codeRange;
            double fp16 = Math.pow(2, -11) * (codeRange * step + (symmetric ? 0 : Math.abs(min)));
            double bound = stepFraction * step + fp16 + 1e-6 * amax;
            for (int j = 0; j < QK; j++) {
                double error = Math.abs(x[b * QK + j] - y[b * QK + j]);
                worstRatio = Math.max(worstRatio, error / bound);
                assertTrue(error <= bound, type + " block " + b + " element " + j + ": " + x[b * QK + j]
                        + " came back as " + y[b * QK + j] + " (bound " + bound + ")");
            }
        }
        // a bound loose enough to pass anything would be no test: the worst element must come near it
        assertTrue(worstRatio > 0.3, type + " worst error / bound = " + worstRatio);
    }
}
