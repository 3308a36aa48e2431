package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import io.qwen4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Optional;

/**
 * Where a model's tensors come from, by their GGUF names ({@code blk.0.attn_q.weight}). A GGUF file adapts
 * to it directly; other formats (HF safetensors) map their names onto GGUF's.
 */
public interface WeightSource {

    Optional<Tensor> find(String name);

    /** The tensor, or an {@link InvalidInputException} naming the missing tensor. */
    default Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new InvalidInputException("model has no tensor '" + name + "'"));
    }

    /** The tensor, checked to have exactly {@code expectedShape} (ggml order, ne0 first). */
    default Tensor tensor(String name, long... expectedShape) {
        return checkShape(tensor(name), expectedShape);
    }

    static Tensor checkShape(Tensor t, long... expectedShape) {
        long[] actual = t.shape();
        // ggml pads shapes with trailing 1s; compare on the longer of the two.
        int n = Math.max(actual.length, expectedShape.length);
        for (int i = 0; i < n; i++) {
            long a = i < actual.length ? actual[i] : 1;
            long e = i < expectedShape.length ? expectedShape[i] : 1;
            if (a != e) {
                throw new InvalidInputException("tensor '" + t.name() + "' has shape " + Arrays.toString(actual)
                        + ", expected " + Arrays.toString(expectedShape));
            }
        }
        if (t.shape()[0] % t.type().blockSize != 0) {
            throw new InvalidInputException("tensor '" + t.name() + "' row of " + t.shape()[0]
                    + " elements is not a whole number of " + t.type() + " blocks");
        }
        if (t.data().byteSize() < t.type().bytesFor(t.elementCount())) {
            throw new InvalidInputException("tensor '" + t.name() + "' has " + t.data().byteSize()
                    + " bytes of data, needs " + t.type().bytesFor(t.elementCount()));
        }
        return t;
    }
}
