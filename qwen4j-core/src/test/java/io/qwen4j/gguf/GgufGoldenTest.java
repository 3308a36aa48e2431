package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written by llama.cpp's own Python writer (gguf-py 0.19.0; the script is beside it in the test
 * resources): the reader must see exactly what the script put in, and GgufWriter given the same content
 * must produce the same bytes (same kv encoding, padding and tensor alignment).
 */
class GgufGoldenTest {

    @TempDir
    Path dir;

    private byte[] golden() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("gguf-py-0.19.0.gguf")) {
            return in.readAllBytes();
        }
    }

    private static Map<String, GgufValue> expectedMetadata() {
        var m = new LinkedHashMap<String, GgufValue>();
        m.put("general.architecture", GgufValue.ofString("qwen3"));
        m.put("u8", new GgufValue(GgufValueType.UINT8, 200L));
        m.put("i8", new GgufValue(GgufValueType.INT8, -5L));
        m.put("u16", new GgufValue(GgufValueType.UINT16, 60000L));
        m.put("i16", new GgufValue(GgufValueType.INT16, -300L));
        m.put("u32", new GgufValue(GgufValueType.UINT32, 4000000000L));
        m.put("i32", new GgufValue(GgufValueType.INT32, -7L));
        m.put("f32", new GgufValue(GgufValueType.FLOAT32, 0.25f));
        m.put("b", new GgufValue(GgufValueType.BOOL, true));
        m.put("s", GgufValue.ofString("héllo"));
        m.put("u64", new GgufValue(GgufValueType.UINT64, -1L));
        m.put("i64", new GgufValue(GgufValueType.INT64, Long.MIN_VALUE));
        m.put("f64", new GgufValue(GgufValueType.FLOAT64, 3.5));
        m.put("strs", GgufValue.ofStrings(List.of("a", "bc", "")));
        m.put("ints", GgufValue.ofInt32s(1, 2, 3));
        m.put("nested", GgufValue.ofArray(new GgufArray(GgufValueType.ARRAY, List.of(
                new GgufArray(GgufValueType.INT32, List.of(1L, 2L)),
                new GgufArray(GgufValueType.STRING, List.of("x"))))));
        return m;
    }

    @Test
    void readsWhatGgufPyWrote() throws IOException {
        Path file = dir.resolve("golden.gguf");
        Files.write(file, golden());
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(3, gguf.version());
            assertEquals(576, gguf.dataOffset());
            assertEquals(expectedMetadata(), gguf.metadata().asMap());
            assertEquals(List.of(new GgufTensorInfo("t.f32", TensorType.F32, new long[] {6, 4}, 0, 96),
                    new GgufTensorInfo("t.f16", TensorType.F16, new long[] {10}, 96, 20)), gguf.tensorInfos());
            float[] expected = new float[24];
            for (int i = 0; i < 24; i++) {
                expected[i] = i;
            }
            assertArrayEquals(expected, gguf.tensor("t.f32").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
            assertEquals(Float.floatToFloat16(9f),
                    gguf.tensor("t.f16").data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 9));
        }
    }

    @Test
    void writesTheSameBytesAsGgufPy() throws IOException {
        float[] f32 = new float[24];
        short[] f16 = new short[10];
        for (int i = 0; i < 24; i++) {
            f32[i] = i;
        }
        for (int i = 0; i < 10; i++) {
            f16[i] = Float.floatToFloat16(i);
        }
        var writer = new GgufWriter();
        expectedMetadata().forEach(writer::put);
        writer.addTensor("t.f32", TensorType.F32, new long[] {6, 4}, MemorySegment.ofArray(f32))
                .addTensor("t.f16", TensorType.F16, new long[] {10}, MemorySegment.ofArray(f16));
        Path file = dir.resolve("ours.gguf");
        writer.write(file);
        assertArrayEquals(golden(), Files.readAllBytes(file));
    }
}
