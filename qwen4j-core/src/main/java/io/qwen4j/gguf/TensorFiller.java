package io.qwen4j.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Produces one tensor's bytes straight into the output file: {@link GgufWriter} maps the tensor's region
 * of the file and hands it over, so a multi-gigabyte model is written without holding its weights in heap.
 */
@FunctionalInterface
public interface TensorFiller {

    /** Writes exactly {@code target.byteSize()} bytes of tensor data (storage order) into {@code target}. */
    void fill(MemorySegment target) throws IOException;
}
