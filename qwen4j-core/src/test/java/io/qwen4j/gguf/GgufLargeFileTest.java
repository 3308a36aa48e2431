package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 20 GiB file (sparse: only the header is real) opens because the reader maps it with an arena, not a
 * 2 GB-limited MappedByteBuffer, and touches only the header pages.
 */
class GgufLargeFileTest {

    @TempDir
    Path dir;

    @Test
    void opensATwentyGigabyteSparseFile() throws IOException {
        long ne0 = 1L << 20;
        long ne1 = 5L << 10;
        long tensorBytes = ne0 * ne1 * 4; // 20 GiB of F32
        byte[] header = RawGguf.header(3, 2, 1).key("general.architecture", 8).str("huge")
                .tensorInfo("small", 0, 0, 8)
                .tensorInfo("huge.weight", 0, 32, ne0, ne1)
                .padTo(32).f32(1).f32(2).f32(3).f32(4).f32(5).f32(6).f32(7).f32(8).bytes();
        Path file = dir.resolve("huge.gguf");
        Files.write(file, header);
        long dataOffset = header.length - 32;
        try (var raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataOffset + 32 + tensorBytes);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(dataOffset, gguf.dataOffset());
            assertEquals(20L << 30, gguf.tensorInfo("huge.weight").orElseThrow().bytes());
            Tensor huge = gguf.tensor("huge.weight");
            assertEquals(TensorType.F32, huge.type());
            assertEquals(tensorBytes, huge.data().byteSize());
            // the last element, 20 GiB into the mapping, is in the sparse (zero) part of the file
            assertEquals(0f, huge.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, tensorBytes - 4));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8},
                    gguf.tensor("small").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
        }
    }
}
