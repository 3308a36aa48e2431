package io.qwen4j.convert;

import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * Writes a tensor in another type: rows are dequantized to F32 with the source format's reference
 * dequantizer and quantized with the target's reference quantizer (a byte copy when the types match).
 * Rows run in parallel into a heap chunk that is then copied to the target, because the writer's mapping
 * of the output file belongs to the calling thread.
 */
final class TensorTranscoder {

    private static final long CHUNK_BYTES = 32L << 20;

    private TensorTranscoder() {
    }

    static void transcode(Tensor source, TensorType targetType, MemorySegment target) {
        if (source.type() == targetType) {
            target.copyFrom(source.data().asSlice(0, target.byteSize()));
            return;
        }
        QuantFormat from = QuantFormats.of(source.type());
        QuantFormat to = QuantFormats.of(targetType);
        if (!to.canQuantize()) {
            throw new IllegalStateException("no quantizer for " + targetType);
        }
        int rowLength = Math.toIntExact(source.shape()[0]);
        long sourceRowBytes = source.type().bytesFor(rowLength);
        long rowBytes = targetType.bytesFor(rowLength);
        long rows = source.rows();
        int rowsPerChunk = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / rowBytes));
        MemorySegment chunk = MemorySegment.ofArray(new byte[(int) (rowsPerChunk * rowBytes)]);
        for (long first = 0; first < rows; first += rowsPerChunk) {
            long base = first;
            int count = (int) Math.min(rowsPerChunk, rows - first);
            IntStream.range(0, count).parallel().forEach(i -> {
                float[] values = new float[rowLength];
                from.dequantize(source.data(), (base + i) * sourceRowBytes, values, 0, rowLength);
                to.quantize(values, 0, rowLength, chunk, i * rowBytes);
            });
            MemorySegment.copy(chunk, 0, target, first * rowBytes, count * rowBytes);
        }
    }
}
