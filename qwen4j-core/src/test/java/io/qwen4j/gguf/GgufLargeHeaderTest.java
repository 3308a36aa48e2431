package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A header of several MB, as a real vocabulary makes (151k tokens and merges): the reader copies the header in
 * windows of 1 MiB, so values land across window boundaries at every offset, and one string is longer than a
 * window. Everything must read back as written.
 */
class GgufLargeHeaderTest {

    @TempDir
    Path dir;

    @Test
    void valuesAcrossReadWindowsReadBackAsWritten() throws Exception {
        var random = new Random(3);
        String alphabet = "aĠé世🙂<|>";
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            var sb = new StringBuilder();
            for (int n = random.nextInt(9); n > 0; n--) {
                sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(8))));
            }
            tokens.add(sb.toString());
        }
        int[] types = random.ints(200_000, -5, 7).toArray();
        String huge = "x✓".repeat(700_000); // 2.8 MB of UTF-8: longer than a window
        var writer = new GgufWriter()
                .putStrings("tokens", tokens)
                .putInt32s("types", types)
                .putString("huge", huge);
        for (int i = 0; i < 2000; i++) {
            writer.put("k" + i + ".u64", new GgufValue(GgufValueType.UINT64, random.nextLong()));
            writer.put("k" + i + ".f64", new GgufValue(GgufValueType.FLOAT64, random.nextDouble()));
            writer.put("k" + i + ".u16", new GgufValue(GgufValueType.UINT16, (long) random.nextInt(65536)));
        }
        writer.putString("last", "end ✓");
        Path file = dir.resolve("large.gguf");
        writer.write(file);

        var check = new Random(3);
        for (int i = 0; i < 200_000; i++) { // replay the generator to skip the tokens
            for (int n = check.nextInt(9); n > 0; n--) {
                check.nextInt(8);
            }
        }
        check.ints(200_000, -5, 7).toArray();
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata m = gguf.metadata();
            assertEquals(tokens, m.getStringArray("tokens"));
            assertArrayEquals(types, m.getIntArray("types"));
            assertEquals(huge, m.getString("huge"));
            for (int i = 0; i < 2000; i++) {
                assertEquals(new GgufValue(GgufValueType.UINT64, check.nextLong()), m.get("k" + i + ".u64"));
                assertEquals(new GgufValue(GgufValueType.FLOAT64, check.nextDouble()), m.get("k" + i + ".f64"));
                assertEquals(new GgufValue(GgufValueType.UINT16, (long) check.nextInt(65536)), m.get("k" + i + ".u16"));
            }
            assertEquals("end ✓", m.getString("last"));
        }
    }
}
