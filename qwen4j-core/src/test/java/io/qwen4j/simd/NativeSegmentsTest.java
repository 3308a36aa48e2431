package io.qwen4j.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeSegmentsTest {

    @Test
    void allocatedAndMappedSegmentsAreTypedAsThemselves(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment allocated = arena.allocate(64);
            assertSame(allocated, NativeSegments.TYPE.cast(allocated));
            Path file = dir.resolve("weights.bin");
            Files.write(file, new byte[4096]);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096, arena);
                assertSame(mapped, NativeSegments.TYPE.cast(mapped), "a mapped model file is what the kernels read");
                MemorySegment slice = mapped.asSlice(128, 256);
                assertSame(slice, NativeSegments.TYPE.cast(slice));
            }
        }
    }

    @Test
    void aKernelGivenHeapWeightsNamesThemInsteadOfReadingThem() {
        var heap = MemorySegment.ofArray(new byte[34]);
        var e = assertThrows(ClassCastException.class,
                () -> QuantFormats.of(TensorType.Q8_0).dot(heap, 0, new float[32], 0, 32));
        assertTrue(e.getMessage().contains("HeapMemorySegmentImpl"), e.getMessage());
    }

    @Test
    void ofCopiesHeapDataAndKeepsNativeData() {
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7};
        MemorySegment copy = NativeSegments.of(MemorySegment.ofArray(bytes));
        assertTrue(copy.isNative());
        assertArrayEquals(bytes, copy.toArray(ValueLayout.JAVA_BYTE));
        MemorySegment allocated = Arena.ofAuto().allocate(8);
        assertSame(allocated, NativeSegments.of(allocated));
    }

    @Test
    void aTensorBuiltOnHeapDataHoldsANativeCopy() {
        float[] values = {0.5f, -1.25f, 3f, 8f};
        MemorySegment heap = MemorySegment.ofArray(values);
        Tensor t = new Tensor("t", TensorType.F32, new long[] {4}, heap);
        assertFalse(heap.isNative());
        assertTrue(t.data().isNative());
        float[] read = new float[4];
        QuantFormats.of(TensorType.F32).dequantize(t.data(), 0, read, 0, 4);
        assertArrayEquals(values, read);
        assertEquals(16, t.data().byteSize());
    }
}
