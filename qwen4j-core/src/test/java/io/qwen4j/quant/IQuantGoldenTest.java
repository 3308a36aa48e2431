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
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The grid formats against llama.cpp's own dequantization ({@code iq-golden.txt}, written by
 * {@code scripts/gen-iq-data.py golden} through llama.cpp's library): the same random blocks, drawn here by the
 * script's generator, give the same floats, in the test's plain reference and in the engine.
 */
class IQuantGoldenTest {

    record Golden(TensorType type, long seed, int blocks, long fnv, int[] firstBlock) {
    }

    @Test
    void referenceAndEngineDequantizeAsLlamaCpp() throws IOException {
        List<Golden> cases = readGolden();
        assertEquals(IQuantReference.TYPES.length, cases.size(), "one golden case per grid format");
        for (Golden golden : cases) {
            byte[] data = randomBlocks(golden.type(), golden.blocks(), golden.seed());
            float[] reference = IQuantReference.dequantize(golden.type(), data);
            for (int i = 0; i < 256; i++) {
                assertEquals(golden.firstBlock()[i], Float.floatToRawIntBits(reference[i]),
                        golden.type() + " reference, weight " + i + " of the first block");
            }
            assertEquals(golden.fnv(), fnv1a(reference), golden.type() + " reference, all " + golden.blocks() + " blocks");
            float[] engine = new float[reference.length];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment segment = KQuantBlocks.offHeap(arena, data, 5);
                QuantFormats.of(golden.type()).dequantize(segment, 5, engine, 0, engine.length);
            }
            for (int i = 0; i < engine.length; i++) {
                assertEquals(Float.floatToRawIntBits(reference[i]), Float.floatToRawIntBits(engine[i]),
                        golden.type() + " engine, weight " + i);
            }
        }
    }

    @Test
    void signCodesCarryAnEvenNumberOfMinusSigns() {
        for (int i = 0; i < 128; i++) {
            assertEquals(IQuantReference.ksigns(i), IQuantGrids.KSIGNS[i], "ksigns " + i);
            assertEquals(0, Integer.bitCount(IQuantGrids.KSIGNS[i]) % 2, "ksigns " + i);
        }
    }

    /** scripts/gen-iq-data.py's random_blocks: xorshift64 bytes, then a finite fp16 scale with exponent 9..20. */
    static byte[] randomBlocks(TensorType type, int blocks, long seed) {
        byte[] data = new byte[blocks * type.blockBytes];
        long state = seed;
        for (int b = 0; b < blocks; b++) {
            int base = b * type.blockBytes;
            for (int i = 0; i < type.blockBytes; i++) {
                state = RandomBlocks.next(state);
                data[base + i] = (byte) state;
            }
            state = RandomBlocks.next(state);
            long r = state;
            int half = (int) ((r >>> 8) & 0x8000 | (9 + Long.remainderUnsigned(r, 12)) << 10 | (r >>> 20) & 0x3FF);
            if (type == TensorType.IQ1_M) {
                KQuantBlocks.setIq1mScale(data, base, (short) half);
            } else {
                data[base] = (byte) half;
                data[base + 1] = (byte) (half >> 8);
            }
        }
        return data;
    }

    static long fnv1a(float[] values) {
        long h = 0xcbf29ce484222325L;
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            for (int k = 0; k < 4; k++) {
                h = (h ^ (bits >>> 8 * k & 0xFF)) * 0x100000001b3L;
            }
        }
        return h;
    }

    private static List<Golden> readGolden() throws IOException {
        String text;
        try (InputStream in = IQuantGoldenTest.class.getResourceAsStream("iq-golden.txt")) {
            assertTrue(in != null, "iq-golden.txt on the test class path");
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        List<Golden> cases = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int n = 0; n < lines.length; n++) {
            if (!lines[n].startsWith("type ")) {
                continue;
            }
            String[] f = lines[n].split(" ");
            int[] first = new int[256];
            for (int row = 0; row < 16; row++) {
                String[] words = lines[n + 1 + row].split(" ");
                for (int k = 0; k < 16; k++) {
                    first[16 * row + k] = Integer.parseUnsignedInt(words[k], 16);
                }
            }
            cases.add(new Golden(TensorType.valueOf(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]),
                    Long.parseUnsignedLong(f[4], 16), first));
        }
        return cases;
    }
}
