package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad GGUF content gives one GgufFormatException naming the file, the offset and the problem. */
class GgufValidationTest {

    @TempDir
    Path dir;

    private static final int F32 = 0;
    private static final int Q8_0 = 8;

    /** Opens bytes as a file and returns the error, asserting it names the file and the expected problem. */
    private GgufFormatException reject(byte[] bytes, String problem) throws IOException {
        Path file = dir.resolve("bad.gguf");
        Files.write(file, bytes);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close());
        assertTrue(e.getMessage().startsWith(file + ": at byte "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "expected '" + problem + "' in: " + e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    /** A valid file with one kv and the given tensor infos (all F32 unless stated), data padded to 32. */
    private static RawGguf withTensors(int count) {
        return RawGguf.header(3, count, 1).key("general.architecture", 8).str("test");
    }

    @Test
    void truncatedFiles() throws IOException {
        reject(new byte[] {'G', 'G', 'U'}, "file truncated: magic needs 4 bytes but only 3 remain");
        byte[] valid = withTensors(1).tensorInfo("t", F32, 0, 8).padTo(32).raw(new byte[32]).bytes();
        for (int cut : new int[] {4, 10, 23, 30, 50, 70}) {
            reject(Arrays.copyOf(valid, cut), "truncated");
        }
        // the tensor data itself cut short
        reject(Arrays.copyOf(valid, valid.length - 1), "runs past the end of the file");
    }

    @Test
    void emptyFilesAndDirectories() throws IOException {
        reject(new byte[0], "file truncated: magic needs 4 bytes but only 0 remain (file size 0)");
        var e = assertThrows(io.qwen4j.InvalidInputException.class, () -> GgufFile.open(dir).close());
        assertEquals(dir + " is a directory, not a GGUF file", e.getMessage());
    }

    @Test
    void badMagicAndVersion() throws IOException {
        byte[] bytes = RawGguf.header(3, 0, 0).bytes();
        bytes[0] = 'g';
        var e = reject(bytes, "bad magic 0x46554767: not a GGUF file");
        assertEquals(0, e.offset());
        assertTrue(reject(RawGguf.header(1, 0, 0).bytes(), "unsupported GGUF version 1").getMessage()
                .contains("at byte 4"));
        reject(RawGguf.header(4, 0, 0).bytes(), "unsupported GGUF version 4");
        reject(RawGguf.header(-1, 0, 0).bytes(), "unsupported GGUF version 4294967295");
    }

    @Test
    void absurdCounts() throws IOException {
        var e = reject(RawGguf.header(3, 1L << 40, 0).bytes(), "tensor count 1099511627776 is larger than");
        assertEquals(8, e.offset());
        reject(RawGguf.header(3, -1, 0).bytes(), "tensor count 18446744073709551615");
        reject(RawGguf.header(3, 0, 5).bytes(), "metadata key/value count 5 is larger than");
    }

    @Test
    void hugeStringAndArrayLengths() throws IOException {
        var e = reject(RawGguf.header(3, 0, 1).u64(1L << 50).raw("key".getBytes()).raw(new byte[8]).bytes(),
                "metadata key #0 length 1125899906842624 is larger than the rest of the file");
        assertEquals(24, e.offset());
        reject(RawGguf.header(3, 0, 1).key("k", 8).u64(-2).raw(new byte[8]).bytes(),
                "value of 'k' length 18446744073709551614 is larger");
        reject(RawGguf.header(3, 0, 1).key("tokens", 9).u32(8).u64(1_000_000).str("a").bytes(),
                "array length of 'tokens' 1000000 is larger than the rest of the file allows");
        reject(RawGguf.header(3, 0, 1).key("ids", 9).u32(5).u64(3).u32(1).u32(2).bytes(), "truncated");
    }

    @Test
    void duplicateKeysAndUnknownValueTypes() throws IOException {
        var e = reject(RawGguf.header(3, 0, 2).key("a", 4).u32(1).key("a", 4).u32(2).bytes(),
                "duplicate metadata key 'a'");
        assertEquals(24 + 9 + 4 + 4, e.offset());
        reject(RawGguf.header(3, 0, 1).key("k", 13).u64(0).bytes(), "unknown value type 13 for metadata key 'k'");
        reject(RawGguf.header(3, 0, 1).key("k", 9).u32(99).u64(0).bytes(), "unknown value type 99");
        reject(RawGguf.header(3, 0, 1).key("flag", 7).u8(2).bytes(), "invalid bool 2");
    }

    @Test
    void invalidUtf8IsRejected() throws IOException {
        reject(RawGguf.header(3, 0, 1).key("k", 8).strBytes(new byte[] {'a', (byte) 0xC3}).bytes(),
                "value of 'k' is not valid UTF-8");
        reject(RawGguf.header(3, 0, 1).strBytes(new byte[] {(byte) 0xFF}).u32(4).u32(0).bytes(),
                "metadata key #0 is not valid UTF-8");
        // an encoded surrogate (CESU-8) is not UTF-8 either
        reject(RawGguf.header(3, 1, 0).strBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})
                .u32(1).u64(1).u32(F32).u64(0).bytes(), "name of tensor #0 is not valid UTF-8");
    }

    @Test
    void badAlignment() throws IOException {
        reject(RawGguf.header(3, 0, 1).key("general.alignment", 4).u32(48).bytes(),
                "general.alignment = 48 is not a power of two");
        reject(RawGguf.header(3, 0, 1).key("general.alignment", 4).u32(0).bytes(),
                "general.alignment = 0 is not a power of two");
        reject(RawGguf.header(3, 0, 1).key("general.alignment", 8).str("32").bytes(),
                "general.alignment should be an integer but is string");
    }

    @Test
    void badDimensions() throws IOException {
        reject(withTensors(1).tensorInfo("t", F32, 0, 1, 1, 1, 1, 1).padTo(32).raw(new byte[4]).bytes(),
                "tensor 't' has 5 dimensions; expected 1 to 4");
        reject(withTensors(1).tensorInfo("t", F32, 0).padTo(32).bytes(), "tensor 't' has 0 dimensions");
        reject(withTensors(1).tensorInfo("t", F32, 0, 4, 0).padTo(32).raw(new byte[32]).bytes(),
                "tensor 't' has dimension 1 = 0");
        reject(withTensors(1).tensorInfo("t", F32, 0, 4, -3).padTo(32).raw(new byte[32]).bytes(),
                "tensor 't' has dimension 1 = 18446744073709551613");
        reject(withTensors(1).tensorInfo("t", F32, 0, 1L << 32, 1L << 32).padTo(32).bytes(),
                "tensor 't' element count overflows 64 bits");
        reject(withTensors(1).tensorInfo("t", F32, 0, 1L << 62).padTo(32).bytes(),
                "tensor 't' byte size overflows 64 bits");
        reject(withTensors(1).tensorInfo("blk.0.ffn_down.weight", Q8_0, 0, 48, 2).padTo(32).raw(new byte[128]).bytes(),
                "tensor 'blk.0.ffn_down.weight' row of 48 elements is not a multiple of the Q8_0 block size 32");
    }

    @Test
    void unsupportedTensorTypeIsAnErrorAtLoad() throws IOException {
        reject(withTensors(1).tensorInfo("blk.0.attn_q.weight", 35, 0, 256).padTo(32).raw(new byte[128]).bytes(),
                "unsupported tensor type TQ2_0 (35) in tensor blk.0.attn_q.weight");
        reject(withTensors(1).tensorInfo("x", 200, 0, 256).padTo(32).bytes(), "unsupported tensor type type#200 (200)");
    }

    @Test
    void badTensorPlacement() throws IOException {
        reject(withTensors(1).tensorInfo("t", F32, 16, 4).padTo(32).raw(new byte[64]).bytes(),
                "tensor 't' offset 16 is not a multiple of the alignment 32");
        reject(withTensors(2).tensorInfo("a", F32, 0, 16).tensorInfo("b", F32, 32, 8).padTo(32)
                .raw(new byte[96]).bytes(), "tensor 'b' at data offset 32 overlaps tensor 'a' [0, 64)");
        // overlap is found whatever the order of the infos
        reject(withTensors(2).tensorInfo("a", F32, 32, 8).tensorInfo("b", F32, 0, 16).padTo(32)
                .raw(new byte[96]).bytes(), "tensor 'a' at data offset 32 overlaps tensor 'b' [0, 64)");
        reject(withTensors(1).tensorInfo("t", F32, 0, 8).padTo(32).raw(new byte[31]).bytes(),
                "tensor 't' data [0, +32) runs past the end of the file");
        reject(withTensors(1).tensorInfo("t", F32, 1L << 62, 8).padTo(32).bytes(), "runs past the end of the file");
        reject(withTensors(2).tensorInfo("w", F32, 0, 8).tensorInfo("w", F32, 32, 8).padTo(32)
                .raw(new byte[64]).bytes(), "duplicate tensor name 'w'");
    }

    @Test
    void metadataGettersNameTheKey() throws IOException {
        Path file = dir.resolve("meta.gguf");
        new GgufWriter().putString("s", "x").putUInt64("big", 1L << 40).putUInt64("huge", -1L)
                .put("d", new GgufValue(GgufValueType.FLOAT64, 0.25)).putInt32("i", 3).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata m = gguf.metadata();
            var missing = assertThrows(GgufFormatException.class, () -> m.getInt("qwen3.block_count"));
            assertEquals(file + ": missing metadata key 'qwen3.block_count'", missing.getMessage());
            var wrongType = assertThrows(GgufFormatException.class, () -> m.getInt("s"));
            assertTrue(wrongType.getMessage().contains("metadata key 's' should be an integer but is string"),
                    wrongType.getMessage());
            assertTrue(wrongType.getMessage().contains(": at byte "), wrongType.getMessage());
            var range = assertThrows(GgufFormatException.class, () -> m.getInt("big"));
            assertTrue(range.getMessage().contains("'big' = 1099511627776 does not fit in a 32-bit int"));
            assertEquals(1L << 40, m.getLong("big"));
            var unsigned = assertThrows(GgufFormatException.class, () -> m.getLong("huge"));
            assertTrue(unsigned.getMessage().contains("18446744073709551615"), unsigned.getMessage());
            assertThrows(GgufFormatException.class, () -> m.getString("i"));
            assertThrows(GgufFormatException.class, () -> m.getStringArray("s"));
            assertEquals(0.25f, m.getFloat("d"));
            assertEquals(3f, m.getFloat("i"));
            assertEquals(7, m.getInt("absent", 7));
            assertEquals(1.5f, m.getFloat("absent", 1.5f));
            assertEquals(3, m.getInt("i", 7));
            assertTrue(m.findString("absent").isEmpty());
            assertEquals("x", m.findString("s").orElseThrow());
        }
        var noFile = new GgufMetadata(null, Map.of(), Map.of());
        assertEquals("GGUF: missing metadata key 'k'",
                assertThrows(GgufFormatException.class, () -> noFile.getString("k")).getMessage());
    }
}
