package io.qwen4j.gguf;

import io.qwen4j.tensor.TensorType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF file laid out as llama.cpp's {@code gguf_write_to_file} does: header, key/values, tensor
 * infos, zero padding to the alignment, then each tensor's data followed by zero padding to the
 * alignment (so every offset is aligned and the file ends on an alignment boundary).
 *
 * <p>Metadata is held in memory (it is small); tensor data is not. Tensors are declared with a
 * {@link TensorFiller}, and {@link #write} maps each tensor's region of the file in turn and lets the
 * filler produce it there, so synthetic models of gigabytes stream through.
 *
 * <pre>{@code
 * new GgufWriter()
 *         .putString("general.architecture", "qwen3")
 *         .addTensor("token_embd.weight", TensorType.F32, new long[] {64, 100}, seg -> ...)
 *         .write(path);
 * }</pre>
 */
public final class GgufWriter {

    private record PendingTensor(String name, TensorType type, long[] shape, long bytes, TensorFiller filler) {
    }

    private int version = 3;
    private long alignment = GgufHeaderReader.DEFAULT_ALIGNMENT;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new LinkedHashSet<>();

    /** GGUF version to write: 3 (default) or 2, whose little-endian layout is identical. */
    public GgufWriter version(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("can write GGUF version 2 or 3, not " + version);
        }
        this.version = version;
        return this;
    }

    /** Sets the data alignment; {@code general.alignment} is written when it is not the default 32. */
    public GgufWriter alignment(long alignment) {
        checkAlignment(alignment);
        this.alignment = alignment;
        if (alignment != GgufHeaderReader.DEFAULT_ALIGNMENT || metadata.containsKey(GgufHeaderReader.ALIGNMENT_KEY)) {
            metadata.put(GgufHeaderReader.ALIGNMENT_KEY, GgufValue.ofUInt32(alignment));
        }
        return this;
    }

    /** Writes {@code general.alignment} even when it is the default 32. */
    public GgufWriter writeAlignmentKey() {
        metadata.put(GgufHeaderReader.ALIGNMENT_KEY, GgufValue.ofUInt32(alignment));
        return this;
    }

    /** Adds (or replaces, keeping its position) a key; putting {@code general.alignment} sets the alignment. */
    public GgufWriter put(String key, GgufValue value) {
        if (key.equals(GgufHeaderReader.ALIGNMENT_KEY)) {
            if (!value.type().isInteger()) {
                throw new IllegalArgumentException(key + " must be an integer, not " + value.type().specName());
            }
            checkAlignment(value.asLong());
            alignment = value.asLong();
        }
        metadata.put(key, value);
        return this;
    }

    /** Copies every key of {@code source}, in its order. */
    public GgufWriter putAll(GgufMetadata source) {
        source.asMap().forEach(this::put);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.ofString(value));
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValue.ofUInt32(value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.ofInt32(value));
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValue.ofUInt64(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.ofFloat32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.ofBool(value));
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return put(key, GgufValue.ofStrings(values));
    }

    public GgufWriter putInt32s(String key, int... values) {
        return put(key, GgufValue.ofInt32s(values));
    }

    public GgufWriter putFloat32s(String key, float... values) {
        return put(key, GgufValue.ofFloat32s(values));
    }

    /**
     * Declares a tensor whose {@code type.bytesFor(elements)} bytes {@code filler} produces during
     * {@link #write}. Tensors are stored in the order they are added.
     */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, TensorFiller filler) {
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (shape.length < 1 || shape.length > GgufHeaderReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' needs 1 to 4 dimensions, not " + shape.length);
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a non-positive dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row of " + shape[0]
                    + " elements is not a multiple of the " + type + " block size " + type.blockSize);
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), type.bytesFor(elements), filler));
        return this;
    }

    /** Declares a tensor whose bytes are copied from {@code data} (which must have the exact size). */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, MemorySegment data) {
        return addTensor(name, type, shape, target -> {
            if (data.byteSize() != target.byteSize()) {
                throw new IllegalArgumentException("tensor '" + name + "' has " + data.byteSize()
                        + " bytes of data but its shape needs " + target.byteSize());
            }
            target.copyFrom(data);
        });
    }

    /** Writes the file (replacing it if it exists), streaming each tensor through its filler. */
    public void write(Path path) throws IOException {
        long[] offsets = new long[tensors.size()];
        long dataSize = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = dataSize;
            dataSize = GgufHeaderReader.alignUp(dataSize + tensors.get(i).bytes(), alignment);
        }
        byte[] header = encodeHeader(offsets);
        long dataOffset = GgufHeaderReader.alignUp(header.length, alignment);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, ByteBuffer.wrap(header), 0);
            writeZeros(channel, header.length, dataOffset - header.length);
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor tensor = tensors.get(i);
                // mapping past the end extends the file; the gaps left between tensors read as zeros
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment target = channel.map(FileChannel.MapMode.READ_WRITE,
                            dataOffset + offsets[i], tensor.bytes(), arena);
                    tensor.filler().fill(target);
                }
            }
            long end = dataOffset + dataSize;
            if (channel.size() < end) {
                writeZeros(channel, channel.size(), end - channel.size());
            }
        }
    }

    private byte[] encodeHeader(long[] offsets) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(Integer.reverseBytes(GgufHeaderReader.MAGIC));
        out.writeInt(Integer.reverseBytes(version));
        out.writeLong(Long.reverseBytes(tensors.size()));
        out.writeLong(Long.reverseBytes(metadata.size()));
        for (var entry : metadata.entrySet()) {
            writeString(out, entry.getKey());
            out.writeInt(Integer.reverseBytes(entry.getValue().type().id));
            writeValue(out, entry.getValue().type(), entry.getValue().value());
        }
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor tensor = tensors.get(i);
            writeString(out, tensor.name());
            out.writeInt(Integer.reverseBytes(tensor.shape().length));
            for (long d : tensor.shape()) {
                out.writeLong(Long.reverseBytes(d));
            }
            out.writeInt(Integer.reverseBytes(tensor.type().ggmlId));
            out.writeLong(Long.reverseBytes(offsets[i]));
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static void writeValue(DataOutputStream out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.writeByte((int) (long) (Long) value);
            case UINT16, INT16 -> out.writeShort(Short.reverseBytes((short) (long) (Long) value));
            case UINT32, INT32 -> out.writeInt(Integer.reverseBytes((int) (long) (Long) value));
            case UINT64, INT64 -> out.writeLong(Long.reverseBytes((Long) value));
            case FLOAT32 -> out.writeInt(Integer.reverseBytes(Float.floatToRawIntBits((Float) value)));
            case FLOAT64 -> out.writeLong(Long.reverseBytes(Double.doubleToRawLongBits((Double) value)));
            case BOOL -> out.writeByte((Boolean) value ? 1 : 0);
            case STRING -> writeString(out, (String) value);
            case ARRAY -> {
                GgufArray array = (GgufArray) value;
                out.writeInt(Integer.reverseBytes(array.elementType().id));
                out.writeLong(Long.reverseBytes(array.size()));
                for (Object element : array.values()) {
                    writeValue(out, array.elementType(), element);
                }
            }
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeLong(Long.reverseBytes(utf8.length));
        out.write(utf8);
    }

    private static void writeZeros(FileChannel channel, long position, long count) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(count, 1 << 16));
        while (count > 0) {
            zeros.clear().limit((int) Math.min(count, zeros.capacity()));
            int n = zeros.remaining();
            writeFully(channel, zeros, position);
            position += n;
            count -= n;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    private static void checkAlignment(long alignment) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > (1L << 30)) {
            throw new IllegalArgumentException("alignment " + alignment + " is not a power of two between 1 and 2^30");
        }
    }
}
