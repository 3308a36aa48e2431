package io.qwen4j.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Test-side GGUF byte builder written straight from the spec (ggml docs/gguf.md), independent of
 * {@link GgufWriter}: every field is appended explicitly, so tests can build valid files to compare with
 * the writer's output and broken files the writer would refuse to produce.
 */
final class RawGguf {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static RawGguf header(int version, long tensorCount, long kvCount) {
        return new RawGguf().raw(new byte[] {'G', 'G', 'U', 'F'}).u32(version).u64(tensorCount).u64(kvCount);
    }

    RawGguf raw(byte... bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    private RawGguf le(int size, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return raw(java.util.Arrays.copyOf(b.array(), size));
    }

    RawGguf u8(int v) {
        return le(1, v);
    }

    RawGguf u16(int v) {
        return le(2, v);
    }

    RawGguf u32(long v) {
        return le(4, v);
    }

    RawGguf u64(long v) {
        return le(8, v);
    }

    RawGguf f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    RawGguf f64(double v) {
        return u64(Double.doubleToRawLongBits(v));
    }

    RawGguf str(String s) {
        return strBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    RawGguf strBytes(byte[] utf8) {
        return u64(utf8.length).raw(utf8);
    }

    /** key + value type id; the caller appends the value. */
    RawGguf key(String key, int typeId) {
        return str(key).u32(typeId);
    }

    RawGguf tensorInfo(String name, int typeId, long offset, long... shape) {
        str(name).u32(shape.length);
        for (long d : shape) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    RawGguf padTo(long alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
