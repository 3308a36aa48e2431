package io.qwen4j.tensor;

import io.qwen4j.simd.NativeSegments;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor whose bytes live in native memory (usually a slice of a memory-mapped model file, so no
 * weight is copied to the heap; data given in a heap segment is copied to native memory).
 *
 * <p>{@code shape} is in ggml order: {@code shape[0]} (ne0) varies fastest. A weight matrix with HF shape
 * {@code [out_features, in_features]} therefore has {@code shape = {in_features, out_features}}: each of
 * its {@code shape[1]} rows holds {@code shape[0]} elements stored contiguously.
 */
public record Tensor(String name, TensorType type, long[] shape, MemorySegment data) {

    public Tensor {
        shape = shape.clone();
        // the kernels read native memory only (NativeSegments); heap data (tests, small tensors built in code) is copied
        data = NativeSegments.of(data);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dims() {
        return shape.length;
    }

    /** ne[i], or 1 past the last dimension (ggml's convention). */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Rows of ne0 elements: the product of the other dimensions (1 for a vector). */
    public long rows() {
        return elementCount() / shape[0];
    }

    /** Bytes of one row (ne0 elements). */
    public long rowBytes() {
        return type.bytesFor(shape[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
