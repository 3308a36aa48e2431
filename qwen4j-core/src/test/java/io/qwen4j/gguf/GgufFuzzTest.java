package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates a valid file thousands of times (seeded) and reads each result fully: the only thing allowed
 * out is a GgufFormatException; no other exception, no OOM, no hang.
 */
class GgufFuzzTest {

    private static final int MUTANTS = 6000;
    private static final int MUTANTS_VIA_FILE = 300;

    @TempDir
    Path dir;

    private byte[] validFile() throws IOException {
        Path file = dir.resolve("seed.gguf");
        new GgufWriter()
                .putString("general.architecture", "qwen3")
                .putUInt32("qwen3.block_count", 2)
                .putFloat32("qwen3.rope.freq_base", 1e6f)
                .putBool("flag", true)
                .put("i8", new GgufValue(GgufValueType.INT8, -3L))
                .put("u16", new GgufValue(GgufValueType.UINT16, 3L))
                .put("f64", new GgufValue(GgufValueType.FLOAT64, 2.0))
                .putUInt64("u64", 99)
                .putStrings("tokenizer.ggml.tokens", List.of("a", "b", "héllo", "<|im_end|>"))
                .putInt32s("tokenizer.ggml.token_type", 1, 1, 1, 3)
                .put("nested", GgufValue.ofArray(new GgufArray(GgufValueType.ARRAY, List.of(
                        new GgufArray(GgufValueType.UINT8, List.of(1L, 2L)),
                        new GgufArray(GgufValueType.STRING, List.of("x"))))))
                .addTensor("a", TensorType.F32, new long[] {4, 2}, MemorySegment.ofArray(new float[8]))
                .addTensor("b", TensorType.F16, new long[] {16}, MemorySegment.ofArray(new short[16]))
                .addTensor("c", TensorType.Q8_0, new long[] {32, 2}, MemorySegment.ofArray(new byte[68]))
                .write(file);
        return Files.readAllBytes(file);
    }

    private static byte[] mutate(byte[] valid, Random random) {
        byte[] b = valid.clone();
        switch (random.nextInt(6)) {
            case 0 -> { // flip a few bytes
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncate
            case 2 -> { // insert bytes
                int at = random.nextInt(b.length);
                byte[] extra = new byte[1 + random.nextInt(16)];
                random.nextBytes(extra);
                byte[] out = new byte[b.length + extra.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, extra.length);
                System.arraycopy(b, at, out, at + extra.length, b.length - at);
                b = out;
            }
            case 3 -> { // delete bytes
                int at = random.nextInt(b.length);
                int n = Math.min(1 + random.nextInt(16), b.length - at);
                byte[] out = new byte[b.length - n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + n, out, at, b.length - at - n);
                b = out;
            }
            case 4 -> { // a huge or edge 64-bit length field anywhere
                long[] values = {-1L, Long.MAX_VALUE, 1L << 40, 1L << 31, 0x7FFF_FFFFL, 0, 1L << 62, 1L << 32};
                int at = random.nextInt(b.length - 8);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, values[random.nextInt(values.length)]);
            }
            default -> { // a small or edge 32-bit value (type ids, dims, versions)
                int[] values = {-1, 0, 1, 2, 4, 5, 9, 12, 13, 16, 31, 0x7FFF_FFFF, 256};
                int at = random.nextInt(b.length - 4);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, values[random.nextInt(values.length)]);
            }
        }
        return b;
    }

    /** Touches everything a loader would: every key through every getter, every tensor info. */
    private static void readEverything(GgufHeaderReader.Header header) {
        GgufMetadata m = header.metadata();
        for (String key : m.keys()) {
            for (Runnable getter : List.<Runnable>of(() -> m.getString(key), () -> m.getInt(key), () -> m.getLong(key),
                    () -> m.getFloat(key), () -> m.getBoolean(key, false), () -> m.getStringArray(key),
                    () -> m.getIntArray(key), () -> m.getFloatArray(key))) {
                try {
                    getter.run();
                } catch (GgufFormatException expected) {
                    // wrong type for this getter: fine
                }
            }
        }
        for (GgufTensorInfo info : header.tensorInfos()) {
            assertTrue(info.offset() + info.bytes() <= Long.MAX_VALUE - header.dataOffset());
        }
    }

    @Test
    void mutatedFilesOnlyEverFailWithGgufFormatException() throws IOException {
        byte[] valid = validFile();
        readEverything(GgufHeaderReader.read(null, MemorySegment.ofArray(valid)));
        int[] outcome = new int[2]; // accepted, rejected
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Random random = new Random(20261123);
            for (int i = 0; i < MUTANTS; i++) {
                byte[] mutant = mutate(valid, random);
                try {
                    readEverything(GgufHeaderReader.read(null, MemorySegment.ofArray(mutant)));
                    outcome[0]++;
                } catch (GgufFormatException expected) {
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("mutant #" + i + " threw " + t, t);
                }
            }
        });
        assertEquals(MUTANTS, outcome[0] + outcome[1]);
        assertTrue(outcome[1] > MUTANTS / 2, "most mutants should be rejected: " + Arrays.toString(outcome));
    }

    @Test
    void mutatedFilesOnDiskOpenOrFailCleanly() throws IOException {
        byte[] valid = validFile();
        Path file = dir.resolve("mutant.gguf");
        Random random = new Random(7);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < MUTANTS_VIA_FILE; i++) {
                Files.write(file, mutate(valid, random));
                try (GgufFile gguf = GgufFile.open(file)) {
                    for (GgufTensorInfo info : gguf.tensorInfos()) {
                        var data = gguf.tensor(info.name()).data();
                        data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                    }
                } catch (GgufFormatException expected) {
                    assertTrue(expected.getMessage().startsWith(file.toString()), expected.getMessage());
                } catch (Throwable t) {
                    fail("file mutant #" + i + " threw " + t, t);
                }
            }
        });
    }
}
