package io.qwen4j.gguf;

import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the GGUF header (v2 and v3; little-endian): magic, version, key/values, tensor
 * infos, then checks the tensors' layout in the data section.
 *
 * <p>Layout (ggml docs/gguf.md): {@code "GGUF"}, uint32 version, uint64 tensor count, uint64 kv count,
 * the key/values, the tensor infos (name, uint32 n_dims, uint64 ne[n_dims], uint32 type, uint64 offset),
 * zero padding up to {@code general.alignment}, then the data section.
 */
final class GgufHeaderReader {

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final long DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4; // GGML_MAX_DIMS
    /** Arrays of arrays deeper than this are rejected so a crafted file cannot overflow the stack. */
    static final int MAX_ARRAY_DEPTH = 8;
    static final String ALIGNMENT_KEY = "general.alignment";

    record Header(int version, long alignment, long dataOffset, GgufMetadata metadata,
                  List<GgufTensorInfo> tensorInfos) {
    }

    private final Path file;
    private final HeaderCursor in;

    private GgufHeaderReader(Path file, MemorySegment data) {
        this.file = file;
        this.in = new HeaderCursor(file, data);
    }

    static Header read(Path file, MemorySegment data) {
        return new GgufHeaderReader(file, data).read();
    }

    private Header read() {
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw in.error(0, String.format("bad magic 0x%08x: not a GGUF file (expected \"GGUF\")", magic));
        }
        int version = in.u32("version");
        if (version < 2 || version > 3) {
            String hint = version == 1 ? " (GGUF v1 is obsolete)" : "";
            throw in.error(4, "unsupported GGUF version " + Integer.toUnsignedString(version) + hint
                    + "; supported: 2, 3");
        }
        // a tensor info takes at least 24 bytes: name length, n_dims, type, offset
        long tensorCount = in.count("tensor count", 24);
        // a key/value takes at least 13 bytes: key length, value type, one byte of value
        long kvCount = in.count("metadata key/value count", 13);

        var values = new LinkedHashMap<String, GgufValue>();
        var offsets = new HashMap<String, Long>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position();
            String key = in.string("metadata key #" + i);
            if (values.containsKey(key)) {
                throw in.error(keyAt, "duplicate metadata key '" + key + "'");
            }
            long valueAt = in.position();
            GgufValueType type = valueType("metadata key '" + key + "'");
            values.put(key, new GgufValue(type, readValue(type, key, "value of '" + key + "'", 0)));
            offsets.put(key, valueAt);
        }
        GgufMetadata metadata = new GgufMetadata(file, values, offsets);
        long alignment = alignment(metadata, offsets);

        var infos = new ArrayList<GgufTensorInfo>((int) Math.min(tensorCount, 1 << 16));
        var infoOffsets = new HashMap<String, Long>();
        for (long i = 0; i < tensorCount; i++) {
            long infoAt = in.position();
            GgufTensorInfo info = readTensorInfo(i, alignment);
            if (infoOffsets.putIfAbsent(info.name(), infoAt) != null) {
                throw in.error(infoAt, "duplicate tensor name '" + info.name() + "'");
            }
            infos.add(info);
        }
        long dataOffset = alignUp(in.position(), alignment);
        checkDataLayout(infos, infoOffsets, dataOffset);
        return new Header(version, alignment, dataOffset, metadata, List.copyOf(infos));
    }

    private GgufValueType valueType(String what) {
        long at = in.position();
        int id = in.u32(what + " value type");
        return GgufValueType.fromId(Integer.toUnsignedLong(id)).orElseThrow(() ->
                in.error(at, "unknown value type " + Integer.toUnsignedString(id) + " for " + what));
    }

    /** {@code what} names the value in error messages; it is built once per key, not per array element. */
    private Object readValue(GgufValueType type, String key, String what, int depth) {
        return switch (type) {
            case UINT8 -> (long) (in.u8(what) & 0xFF);
            case INT8 -> (long) in.u8(what);
            case UINT16 -> (long) (in.u16(what) & 0xFFFF);
            case INT16 -> (long) in.u16(what);
            case UINT32 -> Integer.toUnsignedLong(in.u32(what));
            case INT32 -> (long) in.u32(what);
            case UINT64, INT64 -> in.u64(what);
            case FLOAT32 -> in.f32(what);
            case FLOAT64 -> in.f64(what);
            case BOOL -> readBool(what);
            case STRING -> in.string(what);
            case ARRAY -> readArray(key, what, depth);
        };
    }

    private Boolean readBool(String what) {
        long at = in.position();
        byte b = in.u8(what);
        if (b != 0 && b != 1) {
            throw in.error(at, "invalid bool " + (b & 0xFF) + " in " + what + " (expected 0 or 1)");
        }
        return b == 1;
    }

    private GgufArray readArray(String key, String what, int depth) {
        long at = in.position();
        if (depth >= MAX_ARRAY_DEPTH) {
            throw in.error(at, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " in '" + key + "'");
        }
        GgufValueType elementType = valueType("array element of '" + key + "'");
        long count = in.count("array length of '" + key + "'", elementType.minBytes);
        if (count > Integer.MAX_VALUE - 8) {
            throw in.error(at, "array '" + key + "' has " + count + " elements, more than a Java list can hold");
        }
        var elements = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            elements.add(readValue(elementType, key, what, depth + 1));
        }
        return new GgufArray(elementType, elements);
    }

    private long alignment(GgufMetadata metadata, Map<String, Long> offsets) {
        GgufValue value = metadata.get(ALIGNMENT_KEY);
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        long at = offsets.getOrDefault(ALIGNMENT_KEY, -1L);
        if (!value.type().isInteger()) {
            throw in.error(at, ALIGNMENT_KEY + " should be an integer but is " + value.type().specName());
        }
        long alignment = value.asLong();
        // ggml requires a power of two; 1 GiB bounds the padding so it cannot overflow offsets
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > (1L << 30)) {
            throw in.error(at, ALIGNMENT_KEY + " = " + Long.toUnsignedString(alignment)
                    + " is not a power of two between 1 and 2^30");
        }
        return alignment;
    }

    private GgufTensorInfo readTensorInfo(long index, long alignment) {
        String name = in.string("name of tensor #" + index);
        long dimsAt = in.position();
        int dims = in.u32("dimension count of tensor '" + name + "'");
        if (dims < 1 || dims > MAX_DIMS) {
            throw in.error(dimsAt, "tensor '" + name + "' has " + Integer.toUnsignedString(dims)
                    + " dimensions; expected 1 to " + MAX_DIMS);
        }
        long[] shape = new long[dims];
        long elements = 1;
        for (int d = 0; d < dims; d++) {
            long at = in.position();
            shape[d] = in.u64("dimension " + d + " of tensor '" + name + "'");
            if (shape[d] <= 0) {
                throw in.error(at, "tensor '" + name + "' has dimension " + d + " = "
                        + Long.toUnsignedString(shape[d]) + "; dimensions must be positive and below 2^63");
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException e) {
                throw in.error(at, "tensor '" + name + "' element count overflows 64 bits");
            }
        }
        long typeAt = in.position();
        int typeId = in.u32("type of tensor '" + name + "'");
        TensorType type = TensorType.fromGgmlId(typeId).orElseThrow(() -> in.error(typeAt,
                "unsupported tensor type " + TensorType.ggmlName(typeId) + " (" + Integer.toUnsignedString(typeId)
                        + ") in tensor " + name));
        if (shape[0] % type.blockSize != 0) {
            throw in.error(dimsAt, "tensor '" + name + "' row of " + shape[0] + " elements is not a multiple of the "
                    + type + " block size " + type.blockSize);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements / type.blockSize, (long) type.blockBytes);
        } catch (ArithmeticException e) {
            throw in.error(dimsAt, "tensor '" + name + "' byte size overflows 64 bits");
        }
        long offsetAt = in.position();
        long offset = in.u64("offset of tensor '" + name + "'");
        if (offset < 0 || offset % alignment != 0) {
            throw in.error(offsetAt, "tensor '" + name + "' offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensorInfo(name, type, shape, offset, bytes);
    }

    /** Every tensor must lie inside the data section, and no two may overlap. */
    private void checkDataLayout(List<GgufTensorInfo> infos, Map<String, Long> infoOffsets, long dataOffset) {
        if (infos.isEmpty()) {
            return;
        }
        long dataSize = in.size() - dataOffset;
        for (GgufTensorInfo info : infos) {
            if (dataSize < 0 || info.offset() > dataSize || info.bytes() > dataSize - info.offset()) {
                throw in.error(infoOffsets.get(info.name()), "tensor '" + info.name() + "' data [" + info.offset()
                        + ", +" + info.bytes() + ") runs past the end of the file (data section of "
                        + Math.max(dataSize, 0) + " bytes starting at byte " + dataOffset + ")");
            }
        }
        var byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensorInfo previous = byOffset.get(i - 1);
            GgufTensorInfo current = byOffset.get(i);
            if (current.offset() < previous.offset() + previous.bytes()) {
                throw in.error(infoOffsets.get(current.name()), "tensor '" + current.name() + "' at data offset "
                        + current.offset() + " overlaps tensor '" + previous.name() + "' ["
                        + previous.offset() + ", " + (previous.offset() + previous.bytes()) + ")");
            }
        }
    }

    static long alignUp(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }
}
