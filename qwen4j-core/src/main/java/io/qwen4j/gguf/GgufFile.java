package io.qwen4j.gguf;

import io.qwen4j.InvalidInputException;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file: its parsed header and its tensors as slices of one read-only memory mapping.
 *
 * <p>The whole file is mapped with a shared arena ({@link FileChannel#map} with an {@link Arena}, which,
 * unlike {@code MappedByteBuffer}, handles files over 2 GB and can be read from any thread). Opening reads
 * only the header pages, and no weight is copied to the heap. Tensor segments are valid until
 * {@link #close()}; using one afterwards throws {@link IllegalStateException}.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GgufHeaderReader.Header header;
    private final Map<String, GgufTensorInfo> byName;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufHeaderReader.Header header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        var map = new LinkedHashMap<String, GgufTensorInfo>();
        for (GgufTensorInfo info : header.tensorInfos()) {
            map.put(info.name(), info);
        }
        this.byName = map;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufFormatException when the content is not a valid GGUF v2/v3 file
     * @throws IOException         when the file cannot be read (e.g. {@link java.nio.file.NoSuchFileException})
     */
    public static GgufFile open(Path path) throws IOException {
        if (java.nio.file.Files.isDirectory(path)) {
            // mapping a directory fails with a bare "No such device"; say what is wrong instead
            throw new InvalidInputException(path + " is a directory, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, mapping, GgufHeaderReader.read(path, mapping));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return header.version();
    }

    public long alignment() {
        return header.alignment();
    }

    /** Byte offset of the data section in the file; tensor offsets are relative to it. */
    public long dataOffset() {
        return header.dataOffset();
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    /** In file order. */
    public List<GgufTensorInfo> tensorInfos() {
        return header.tensorInfos();
    }

    public Optional<GgufTensorInfo> tensorInfo(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public boolean hasTensor(String name) {
        return byName.containsKey(name);
    }

    /** The tensor whose data is a slice of the mapping (no copy). */
    public Tensor tensor(String name) {
        GgufTensorInfo info = byName.get(name);
        if (info == null) {
            throw new InvalidInputException(path + ": no tensor named '" + name + "' (the file has "
                    + byName.size() + " tensors)");
        }
        return tensor(info);
    }

    public Tensor tensor(GgufTensorInfo info) {
        MemorySegment data = mapping.asSlice(header.dataOffset() + info.offset(), info.bytes());
        return new Tensor(info.name(), info.type(), info.shape(), data);
    }

    /** The tensor's type, for callers that only need to check it. */
    public Optional<TensorType> tensorType(String name) {
        return tensorInfo(name).map(GgufTensorInfo::type);
    }

    /** Unmaps the file; segments of tensors obtained from it become inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version() + ", " + tensorInfos().size() + " tensors]";
    }
}
