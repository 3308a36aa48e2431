package io.qwen4j.safetensors;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: {@code shape} in the file's (PyTorch, row-major, last dimension fastest)
 * order, and its bytes as a slice of the file's mapping. {@code file} is kept for error messages.
 */
public record SafetensorsTensor(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data, Path file) {

    public SafetensorsTensor {
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

    /** Where this tensor lives, for error messages: {@code model-00001-of-00002.safetensors: model.norm.weight}. */
    public String describe() {
        return file.getFileName() + ": " + name + " (" + dtype + " " + Arrays.toString(shape) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && name.equals(t.name) && file.equals(t.file);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }
}
