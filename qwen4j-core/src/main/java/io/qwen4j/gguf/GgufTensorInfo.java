package io.qwen4j.gguf;

import io.qwen4j.tensor.TensorType;
import java.util.Arrays;

/**
 * One tensor's entry in the GGUF header.
 *
 * @param shape  ggml order, ne0 (fastest varying) first
 * @param offset bytes from the start of the data section (not of the file)
 * @param bytes  size of the tensor's data, without alignment padding
 */
public record GgufTensorInfo(String name, TensorType type, long[] shape, long offset, long bytes) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && bytes == t.bytes;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset + " (" + bytes + " bytes)";
    }
}
