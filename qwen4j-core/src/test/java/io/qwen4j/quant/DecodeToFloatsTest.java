package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link QuantFormat#decodeToFloats}, the vector decoders a quantized KV cache reads through, against each format's
 * scalar {@link QuantFormat#dequantize}, bit for bit: every format qwen4j can quantize to, blocks quantized from
 * Gaussian values with outliers, at an odd byte offset and over runs of 1 to 9 blocks.
 */
class DecodeToFloatsTest {

    @Test
    void equalsTheScalarDequantizationOfEveryQuantizableFormat() {
        int tested = 0;
        for (TensorType type : TensorType.values()) {
            QuantFormat format;
            try {
                format = QuantFormats.of(type);
            } catch (RuntimeException noKernel) {
                continue;
            }
            if (!format.canQuantize()) {
                continue;
            }
            var random = new Random(type.ordinal());
            for (int blocks = 1; blocks <= 9; blocks += 4) {
                int count = blocks * type.blockSize * (type.blockSize == 1 ? 32 : 1);
                float[] values = new float[count];
                for (int i = 0; i < count; i++) {
                    values[i] = (float) random.nextGaussian() * (random.nextInt(16) == 0 ? 30 : 1);
                }
                try (Arena arena = Arena.ofConfined()) {
                    long offset = 3;
                    MemorySegment stored = arena.allocate(offset + type.bytesFor(count));
                    format.quantize(values, 0, count, stored, offset);
                    float[] expected = new float[count + 2];
                    float[] decoded = new float[count + 2];
                    format.dequantize(stored, offset, expected, 1, count);
                    format.decodeToFloats(stored, offset, decoded, 1, count);
                    assertTrue(Arrays.equals(expected, decoded), () -> type + ", " + count + " elements: "
                            + Arrays.toString(Arrays.copyOf(expected, 8)) + " vs " + Arrays.toString(Arrays.copyOf(decoded, 8)));
                    assertEquals(0f, decoded[0]);
                    assertEquals(0f, decoded[count + 1]);
                }
            }
            tested++;
        }
        assertTrue(tested >= 12, "formats tested: " + tested);
    }
}
