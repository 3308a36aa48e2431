package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.gguf.GgufValue;
import io.qwen4j.gguf.GgufValueType;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.tensor.TensorType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gguf info --json} shape and {@code gguf dequant} bytes, run in-process through Main.run. */
class GgufCommandTest {

    @TempDir
    Path dir;

    private Path model;
    private float[] f32;
    private short[] f16;
    private short[] bf16;

    record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @BeforeEach
    void writeModel() throws IOException {
        Random random = new Random(42);
        f32 = new float[6 * 4];
        f16 = new short[8 * 3];
        bf16 = new short[4 * 2 * 2];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < f16.length; i++) {
            f16[i] = (short) random.nextInt(0x7C00); // positive finite halves
        }
        for (int i = 0; i < bf16.length; i++) {
            bf16[i] = (short) (Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16);
        }
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tokens.add("tok" + i);
        }
        model = dir.resolve("tiny.gguf");
        new GgufWriter()
                .putString("general.architecture", "qwen3")
                .putUInt32("qwen3.block_count", 2)
                .putFloat32("qwen3.rope.freq_base", 0.5f)
                .putBool("flag", true)
                .putUInt64("huge", -1L)
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putInt32s("short", 1, -2, 3)
                .put("nested", GgufValue.ofArray(new io.qwen4j.gguf.GgufArray(GgufValueType.ARRAY,
                        List.of(new io.qwen4j.gguf.GgufArray(GgufValueType.STRING, List.of("a"))))))
                .addTensor("w.f32", TensorType.F32, new long[] {6, 4}, MemorySegment.ofArray(f32))
                .addTensor("w.f16", TensorType.F16, new long[] {8, 3}, MemorySegment.ofArray(f16))
                .addTensor("w.bf16", TensorType.BF16, new long[] {4, 2, 2}, MemorySegment.ofArray(bf16))
                .write(model);
    }

    @Test
    void infoJsonHasTheContractShape() throws IOException {
        Run r = run("gguf", "info", model.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("version", "alignment", "data_offset", "metadata", "tensors"),
                iteratorToList(json.fieldNames()));
        assertEquals(3, json.get("version").asInt());
        assertEquals(32, json.get("alignment").asInt());
        JsonNode m = json.get("metadata");
        assertEquals("qwen3", m.get("general.architecture").asText());
        assertEquals(2, m.get("qwen3.block_count").asInt());
        assertEquals(0.5, m.get("qwen3.rope.freq_base").asDouble());
        assertTrue(m.get("flag").asBoolean());
        assertEquals("18446744073709551615", m.get("huge").bigIntegerValue().toString());
        assertEquals("[1,-2,3]", m.get("short").toString());
        assertEquals("[[\"a\"]]", m.get("nested").toString());
        JsonNode tokens = m.get("tokenizer.ggml.tokens");
        assertEquals("string", tokens.get("type").asText());
        assertEquals(20, tokens.get("length").asInt());
        assertEquals(16, tokens.get("head").size());
        assertEquals("tok15", tokens.get("head").get(15).asText());

        JsonNode tensors = json.get("tensors");
        assertEquals(3, tensors.size());
        JsonNode f16Info = tensors.get(1);
        assertEquals(List.of("name", "type", "shape", "offset", "bytes"), iteratorToList(f16Info.fieldNames()));
        assertEquals("w.f16", f16Info.get("name").asText());
        assertEquals("F16", f16Info.get("type").asText());
        assertEquals("[8,3]", f16Info.get("shape").toString());
        assertEquals(96, f16Info.get("offset").asLong()); // 96 bytes of F32 before it, already aligned
        assertEquals(48, f16Info.get("bytes").asLong());
        assertEquals(0, json.get("data_offset").asLong() % 32);

        Run viaModelOption = run("gguf", "info", "-m", model.toString(), "--json");
        assertEquals(r.out(), viaModelOption.out());
        Run table = run("gguf", "info", model.toString());
        assertEquals(0, table.status());
        assertTrue(table.out().contains("w.bf16") && table.out().contains("general.architecture"), table.out());
    }

    @Test
    void dequantWritesLittleEndianF32InStorageOrder() throws IOException {
        float[] expectedF16 = new float[f16.length];
        for (int i = 0; i < f16.length; i++) {
            expectedF16[i] = halfToFloat(f16[i]);
        }
        float[] expectedBf16 = new float[bf16.length];
        for (int i = 0; i < bf16.length; i++) {
            expectedBf16[i] = Float.intBitsToFloat((bf16[i] & 0xFFFF) << 16);
        }
        assertArrayEquals(f32, dequant("w.f32"));
        assertArrayEquals(expectedF16, dequant("w.f16"));
        assertArrayEquals(expectedBf16, dequant("w.bf16"));

        Path out = dir.resolve("viaM.f32");
        assertEquals(0, run("gguf", "dequant", "-m", model.toString(), "w.f32", "-o", out.toString()).status());
        assertEquals(f32.length * 4L, Files.size(out));
    }

    /** Plain binary16 decoding from the IEEE-754 definition (normal and subnormal positive halves). */
    private static float halfToFloat(short h) {
        int exponent = (h >> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        double value = exponent == 0 ? mantissa * Math.pow(2, -24) : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
        return (float) ((h < 0 ? -1 : 1) * value);
    }

    private float[] dequant(String tensor) throws IOException {
        Path out = dir.resolve(tensor + ".f32");
        Run r = run("gguf", "dequant", model.toString(), tensor, "-o", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    @Test
    void badFilesAndNamesExitWithStatus2AndOneLine() throws IOException {
        Path garbage = dir.resolve("garbage.gguf");
        Files.writeString(garbage, "not a gguf file at all");
        Run bad = run("gguf", "info", garbage.toString());
        assertEquals(2, bad.status());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("bad magic") && bad.err().contains("garbage.gguf"), bad.err());

        Run missing = run("gguf", "info", dir.resolve("absent.gguf").toString(), "--json");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("absent.gguf"), missing.err());

        Run noTensor = run("gguf", "dequant", model.toString(), "nope", "-o", dir.resolve("x").toString());
        assertEquals(2, noTensor.status());
        assertTrue(noTensor.err().contains("'nope'"), noTensor.err());
        assertEquals(1, noTensor.err().strip().lines().count(), noTensor.err());

        assertEquals(2, run("gguf", "dequant", model.toString(), "w.f32").status()); // no -o
        assertEquals(2, run("gguf", "info", model.toString(), "--bogus").status());
    }

    @Test
    void benchDequantReportsEveryFormatAgainstF32() throws IOException {
        Run r = run("bench", "dequant", "--json", "--mib", "1");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        List<String> types = new ArrayList<>();
        for (JsonNode result : json.get("results")) {
            types.add(result.get("type").asText());
            assertTrue(result.get("input_gbs").asDouble() > 0);
            assertTrue(result.get("output_gbs").asDouble() > 0);
            assertTrue(result.get("ratio_to_f32").asDouble() > 0);
        }
        assertTrue(types.containsAll(List.of("F32", "F16", "BF16")), types.toString());
        assertEquals(1.0, json.get("results").get(types.indexOf("F32")).get("ratio_to_f32").asDouble(), 1e-12);
    }

    private static List<String> iteratorToList(java.util.Iterator<String> it) {
        List<String> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }
}
