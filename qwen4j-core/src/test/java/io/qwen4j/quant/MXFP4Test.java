package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MXFP4 against llama.cpp's own library ({@code mxfp4-golden.txt}, written by {@code scripts/gen-iq-data.py mxfp4}): its
 * dequantization through the engine and through {@link KQuantReference#mxfp4} (written from the OCP bit layout, not
 * ggml's table), and its reference quantizer. The kernels and round trips are {@link KQuantKernelTest}'s and
 * {@link KQuantQuantizeTest}'s, which take MXFP4 with the other formats.
 */
class MXFP4Test {

    private static final TensorType TYPE = TensorType.MXFP4;
    private static final QuantFormat FORMAT = QuantFormats.of(TYPE);

    /** The 256 blocks e = 0..255 whose byte j is {@code j | (15 - j) << 4}, as the golden file's dequantize line. */
    static byte[] everyExponentAndCode() {
        byte[] data = new byte[256 * TYPE.blockBytes];
        for (int e = 0; e < 256; e++) {
            data[e * TYPE.blockBytes] = (byte) e;
            for (int j = 0; j < 16; j++) {
                data[e * TYPE.blockBytes + 1 + j] = (byte) (j | (15 - j) << 4);
            }
        }
        return data;
    }

    @Test
    void dequantizesEveryExponentAndCodeAsLlamaCpp() throws IOException {
        byte[] data = everyExponentAndCode();
        float[] reference = KQuantReference.dequantize(TYPE, data);
        assertEquals(golden().dequantizeFnv(), IQuantGoldenTest.fnv1a(reference), "the reference against llama.cpp");
        float[] scalar = new float[reference.length];
        float[] vector = new float[reference.length + 3];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = KQuantBlocks.offHeap(arena, data, 5);
            FORMAT.dequantize(segment, 5, scalar, 0, scalar.length);
            FORMAT.decodeToFloats(segment, 5, vector, 3, scalar.length);
        }
        for (int i = 0; i < reference.length; i++) {
            assertEquals(Float.floatToRawIntBits(reference[i]), Float.floatToRawIntBits(scalar[i]), "dequantize, weight " + i);
            assertEquals(Float.floatToRawIntBits(reference[i]), Float.floatToRawIntBits(vector[3 + i]), "decode, weight " + i);
        }
    }

    @Test
    void quantizesAsLlamaCpp() throws IOException {
        List<QuantizeCase> cases = golden().quantize();
        assertTrue(cases.size() > 60, "quantize cases: " + cases.size());
        for (int c = 0; c < cases.size(); c++) {
            QuantizeCase q = cases.get(c);
            byte[] got = KQuantQuantizeTest.quantizeWithMain(TYPE, q.input());
            assertEquals(HexFormat.of().formatHex(q.expected()), HexFormat.of().formatHex(got), "case " + c);
        }
    }

    record QuantizeCase(float[] input, byte[] expected) {
    }

    record Golden(long dequantizeFnv, List<QuantizeCase> quantize) {
    }

    static Golden golden() throws IOException {
        String text;
        try (InputStream in = MXFP4Test.class.getResourceAsStream("mxfp4-golden.txt")) {
            assertTrue(in != null, "mxfp4-golden.txt on the test class path");
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        long fnv = 0;
        List<QuantizeCase> cases = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("dequantize ")) {
                fnv = Long.parseUnsignedLong(line.substring("dequantize ".length()), 16);
            } else if (line.startsWith("quantize ")) {
                String[] sides = line.substring("quantize ".length()).split(" -> ");
                String[] words = sides[0].split(" ");
                float[] x = new float[words.length];
                for (int i = 0; i < words.length; i++) {
                    x[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(words[i], 16));
                }
                cases.add(new QuantizeCase(x, HexFormat.of().parseHex(sides[1])));
            }
        }
        return new Golden(fnv, cases);
    }
}
