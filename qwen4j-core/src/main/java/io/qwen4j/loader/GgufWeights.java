package io.qwen4j.loader;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.WeightSource;
import io.qwen4j.tensor.Tensor;
import java.util.Optional;

/** A GGUF file's tensors as a {@link WeightSource}: GGUF names are the engine's names, so this is a view. */
public record GgufWeights(GgufFile file) implements WeightSource {

    @Override
    public Optional<Tensor> find(String name) {
        return file.hasTensor(name) ? Optional.of(file.tensor(name)) : Optional.empty();
    }
}
