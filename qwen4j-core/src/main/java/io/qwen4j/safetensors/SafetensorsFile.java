package io.qwen4j.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.JsonErrors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One memory-mapped safetensors file. The format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}), then the data
 * section, to which the offsets are relative. The whole file is mapped with a shared arena, as GGUF files
 * are, so tensors are zero-copy slices readable from any thread until {@link #close()}.
 *
 * <p>Everything in the header is checked before a tensor is handed out (offsets inside the data section,
 * byte count = elements x dtype size), so a corrupt file fails at open with its name, never later in a kernel.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** HF's own reader refuses headers over 100 MB; a larger length means a corrupt or foreign file. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Arena arena;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new SafetensorsFormatException(path + " is a directory, not a safetensors file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsFormatException(path + ": truncated safetensors file (" + size
                        + " bytes, the header length alone takes 8)");
            }
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(path + ": header length " + Long.toUnsignedString(headerLength)
                        + " is beyond the file (" + size + " bytes) or not a safetensors header");
            }
            byte[] headerBytes = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = mapping.asSlice(8 + headerLength);
            var parsed = parseHeader(path, new String(headerBytes, StandardCharsets.UTF_8), data);
            return new SafetensorsFile(path, arena, parsed.tensors, parsed.metadata);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SafetensorsFormatException("safetensors file not found: " + path);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private record Header(Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
    }

    private static Header parseHeader(Path path, String json, MemorySegment data) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new SafetensorsFormatException(path + ": corrupt safetensors header (not valid JSON: "
                    + JsonErrors.describe(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(path + ": corrupt safetensors header (not a JSON object)");
        }
        var tensors = new LinkedHashMap<String, SafetensorsTensor>();
        var metadata = new LinkedHashMap<String, String>();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode info = field.getValue();
            if (name.equals("__metadata__")) {
                info.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, tensor(path, name, info, data));
        }
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static SafetensorsTensor tensor(Path path, String name, JsonNode info, MemorySegment data) {
        String where = path + ": tensor '" + name + "'";
        if (!info.isObject()) {
            throw new SafetensorsFormatException(where + ": header entry is not an object");
        }
        String dtypeName = info.path("dtype").asText("");
        SafetensorsDtype dtype = SafetensorsDtype.of(dtypeName).orElseThrow(() ->
                new SafetensorsFormatException(where + ": unknown dtype '" + dtypeName + "'"));
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsFormatException(where + ": header entry needs 'shape' and 'data_offsets' [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafetensorsFormatException(where + ": bad dimension " + d + " in shape " + shapeNode);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsFormatException(where + ": shape " + shapeNode + " is too large");
            }
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (!offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber() || begin < 0 || end < begin
                || end > data.byteSize()) {
            throw new SafetensorsFormatException(where + ": data_offsets " + offsets + " lie outside the data section of "
                    + data.byteSize() + " bytes (file truncated?)");
        }
        if (end - begin != elements * dtype.bytes) {
            throw new SafetensorsFormatException(where + ": data_offsets " + offsets + " hold " + (end - begin)
                    + " bytes, but " + dtype + " " + shapeNode + " needs " + elements * dtype.bytes);
        }
        return new SafetensorsTensor(name, dtype, shape, data.asSlice(begin, end - begin), path);
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    public Optional<SafetensorsTensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The header's {@code __metadata__} (string to string). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        arena.close();
    }
}
