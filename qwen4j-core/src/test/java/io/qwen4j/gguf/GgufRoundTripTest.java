package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufRoundTripTest {

    @TempDir
    Path dir;

    private static GgufArray array(GgufValueType type, Object... values) {
        return new GgufArray(type, List.of(values));
    }

    /** One key per value type, with edge values, plus arrays of strings and nested arrays. */
    private static GgufWriter everyValueType(GgufWriter w) {
        return w
                .put("u8", new GgufValue(GgufValueType.UINT8, 255L))
                .put("i8", new GgufValue(GgufValueType.INT8, -128L))
                .put("u16", new GgufValue(GgufValueType.UINT16, 65535L))
                .put("i16", new GgufValue(GgufValueType.INT16, -32768L))
                .put("u32", new GgufValue(GgufValueType.UINT32, 4294967295L))
                .put("i32", new GgufValue(GgufValueType.INT32, (long) Integer.MIN_VALUE))
                .put("f32", new GgufValue(GgufValueType.FLOAT32, -1.5e-7f))
                .put("bool.true", new GgufValue(GgufValueType.BOOL, true))
                .put("bool.false", new GgufValue(GgufValueType.BOOL, false))
                .put("str", GgufValue.ofString("héllo ✓ 世界 🙂"))
                .put("str.empty", GgufValue.ofString(""))
                .put("u64", new GgufValue(GgufValueType.UINT64, -1L)) // 2^64 - 1
                .put("i64", new GgufValue(GgufValueType.INT64, Long.MIN_VALUE))
                .put("f64", new GgufValue(GgufValueType.FLOAT64, Math.PI))
                .putStrings("tokens", List.of("a", "Ġb", "", "<|im_end|>"))
                .putInt32s("types", 1, 2, 3, -4)
                .putFloat32s("scores", 0f, -1f, 2.5f)
                .put("empty", GgufValue.ofArray(array(GgufValueType.UINT8)))
                .put("nested", GgufValue.ofArray(array(GgufValueType.ARRAY,
                        array(GgufValueType.INT16, -1L, 2L),
                        array(GgufValueType.STRING, "x", "yz"),
                        array(GgufValueType.ARRAY, array(GgufValueType.BOOL, true)))));
    }

    @Test
    void everyValueTypeSurvivesTheRoundTrip() throws IOException {
        GgufWriter writer = everyValueType(new GgufWriter());
        Path file = dir.resolve("kv.gguf");
        writer.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata m = gguf.metadata();
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool.true", "bool.false", "str",
                    "str.empty", "u64", "i64", "f64", "tokens", "types", "scores", "empty", "nested"),
                    List.copyOf(m.keys()));
            assertEquals(new GgufValue(GgufValueType.UINT8, 255L), m.get("u8"));
            assertEquals(new GgufValue(GgufValueType.INT8, -128L), m.get("i8"));
            assertEquals(new GgufValue(GgufValueType.UINT16, 65535L), m.get("u16"));
            assertEquals(new GgufValue(GgufValueType.INT16, -32768L), m.get("i16"));
            assertEquals(new GgufValue(GgufValueType.UINT32, 4294967295L), m.get("u32"));
            assertEquals(Integer.MIN_VALUE, m.getInt("i32"));
            assertEquals(-1.5e-7f, m.getFloat("f32"));
            assertTrue(m.getBoolean("bool.true", false));
            assertEquals(false, m.getBoolean("bool.false", true));
            assertEquals("héllo ✓ 世界 🙂", m.getString("str"));
            assertEquals("", m.getString("str.empty"));
            assertEquals(new GgufValue(GgufValueType.UINT64, -1L), m.get("u64"));
            assertEquals(Long.MIN_VALUE, m.getLong("i64"));
            assertEquals(new GgufValue(GgufValueType.FLOAT64, Math.PI), m.get("f64"));
            assertEquals(List.of("a", "Ġb", "", "<|im_end|>"), m.getStringArray("tokens"));
            assertArrayEquals(new int[] {1, 2, 3, -4}, m.getIntArray("types"));
            assertArrayEquals(new float[] {0f, -1f, 2.5f}, m.getFloatArray("scores"));
            assertEquals(array(GgufValueType.UINT8), m.getArray("empty"));
            assertEquals(array(GgufValueType.ARRAY,
                    array(GgufValueType.INT16, -1L, 2L),
                    array(GgufValueType.STRING, "x", "yz"),
                    array(GgufValueType.ARRAY, array(GgufValueType.BOOL, true))), m.getArray("nested"));
            assertEquals(3, gguf.version());
            assertEquals(32, gguf.alignment());
            assertTrue(gguf.tensorInfos().isEmpty());
        }
    }

    @Test
    void writerBytesMatchTheSpecLayout() throws IOException {
        // 3 x 2 F32 tensor (24 bytes) then a 40-element F16 tensor (80 bytes), alignment 32
        var writer = new GgufWriter().putString("general.architecture", "test").putUInt32("n", 7);
        MemorySegment a = MemorySegment.ofArray(new float[] {1, 2, 3, 4, 5, 6});
        MemorySegment b = MemorySegment.ofArray(new short[40]);
        writer.addTensor("a", TensorType.F32, new long[] {3, 2}, a);
        writer.addTensor("b", TensorType.F16, new long[] {40}, b);
        Path file = dir.resolve("layout.gguf");
        writer.write(file);

        RawGguf expected = RawGguf.header(3, 2, 2)
                .key("general.architecture", 8).str("test")
                .key("n", 4).u32(7)
                .tensorInfo("a", 0, 0, 3, 2)
                .tensorInfo("b", 1, 32, 40)
                .padTo(32);
        for (float f : new float[] {1, 2, 3, 4, 5, 6}) {
            expected.f32(f);
        }
        expected.padTo(32).raw(new byte[80]).padTo(32);
        assertArrayEquals(expected.bytes(), Files.readAllBytes(file));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 32, 64, 4096})
    void tensorsAreAlignedAndReadBack(long alignment) throws IOException {
        Random random = new Random(alignment);
        float[] f32 = new float[5 * 3];
        short[] f16 = new short[7 * 2];
        short[] bf16 = new short[9];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < f16.length; i++) {
            f16[i] = Float.floatToFloat16((float) random.nextGaussian());
        }
        for (int i = 0; i < bf16.length; i++) {
            bf16[i] = (short) (Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16);
        }
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter().alignment(alignment)
                .addTensor("w.f32", TensorType.F32, new long[] {5, 3}, MemorySegment.ofArray(f32))
                .addTensor("w.f16", TensorType.F16, new long[] {7, 2}, MemorySegment.ofArray(f16))
                .addTensor("w.bf16", TensorType.BF16, new long[] {9, 1, 1, 1}, MemorySegment.ofArray(bf16))
                .write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(alignment, gguf.alignment());
            assertEquals(alignment != 32, gguf.metadata().contains("general.alignment"));
            assertEquals(0, gguf.dataOffset() % alignment);
            assertEquals(0, Files.size(file) % alignment);
            for (GgufTensorInfo info : gguf.tensorInfos()) {
                assertEquals(0, info.offset() % alignment, info.name());
            }
            assertEquals(List.of("w.f32", "w.f16", "w.bf16"),
                    gguf.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            Tensor t = gguf.tensor("w.f32");
            assertArrayEquals(new long[] {5, 3}, t.shape());
            assertArrayEquals(f32, t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
            assertArrayEquals(f16, gguf.tensor("w.f16").data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED));
            assertArrayEquals(bf16, gguf.tensor("w.bf16").data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED));
            assertEquals(new GgufTensorInfo("w.bf16", TensorType.BF16, new long[] {9, 1, 1, 1},
                    gguf.tensorInfo("w.bf16").orElseThrow().offset(), 18), gguf.tensorInfo("w.bf16").orElseThrow());
            var missing = assertThrows(InvalidInputException.class, () -> gguf.tensor("nope"));
            assertTrue(missing.getMessage().contains("'nope'"), missing.getMessage());
        }
    }

    @Test
    void alignmentKeyIsWrittenWhenAsked() throws IOException {
        Path file = dir.resolve("a32.gguf");
        new GgufWriter().writeAlignmentKey().write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(32, gguf.metadata().getInt("general.alignment"));
        }
    }

    @Test
    void readsVersion2Files() throws IOException {
        Path file = dir.resolve("v2.gguf");
        byte[] bytes = RawGguf.header(2, 1, 1).key("general.name", 8).str("old")
                .tensorInfo("t", 0, 0, 4).padTo(32).f32(1).f32(2).f32(3).f32(4).bytes();
        Files.write(file, bytes);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(2, gguf.version());
            assertEquals("old", gguf.metadata().getString("general.name"));
            assertArrayEquals(new float[] {1, 2, 3, 4},
                    gguf.tensor("t").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
        }
        Path written = dir.resolve("v2w.gguf");
        everyValueType(new GgufWriter().version(2)).write(written);
        try (GgufFile gguf = GgufFile.open(written)) {
            assertEquals(2, gguf.version());
            assertEquals(19, gguf.metadata().size());
        }
    }

    @Test
    void streamsTensorsThroughTheFiller() throws IOException {
        Path file = dir.resolve("filler.gguf");
        new GgufWriter().addTensor("big", TensorType.F32, new long[] {1024, 256}, target -> {
            for (long i = 0; i < target.byteSize() / 4; i++) {
                target.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i);
            }
        }).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            MemorySegment data = gguf.tensor("big").data();
            assertEquals(1024 * 256 * 4, data.byteSize());
            assertEquals(262143f, data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 262143));
        }
    }

    @Test
    void writerRejectsBadTensors() {
        var w = new GgufWriter();
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("q", TensorType.Q8_0, new long[] {33}, MemorySegment.NULL));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        w.addTensor("x", TensorType.F32, new long[] {1}, MemorySegment.ofArray(new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("x", TensorType.F32, new long[] {1}, MemorySegment.ofArray(new float[1])));
    }
}
