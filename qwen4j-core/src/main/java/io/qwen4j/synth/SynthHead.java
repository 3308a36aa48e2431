package io.qwen4j.synth;

import io.qwen4j.InvalidInputException;
import io.qwen4j.embed.Pooling;
import java.util.List;
import java.util.Optional;

/**
 * What makes a synthetic model an embedder or a reranker, as llama.cpp's converter marks Qwen3-Embedding and
 * Qwen3-Reranker files: the pooling ({@code {arch}.pooling_type}) and a classifier head ({@code cls.output.weight},
 * one row per label of {@code {arch}.classifier.output_labels}, Qwen3-Reranker's being {@code yes}, {@code no}).
 *
 * @param pooling          the pooling to record, or none (a plain causal LM)
 * @param classifierLabels the classifier's labels, or empty for no classifier head
 */
public record SynthHead(Optional<Pooling> pooling, List<String> classifierLabels) {

    /** A plain causal LM: no pooling recorded, no classifier. */
    public static final SynthHead NONE = new SynthHead(Optional.empty(), List.of());

    public SynthHead {
        classifierLabels = List.copyOf(classifierLabels);
        if (classifierLabels.stream().anyMatch(String::isEmpty)) {
            throw new InvalidInputException("--classifier-labels: a label is empty");
        }
    }

    public boolean hasClassifier() {
        return !classifierLabels.isEmpty();
    }
}
