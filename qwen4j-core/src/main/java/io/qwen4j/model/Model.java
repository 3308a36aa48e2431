package io.qwen4j.model;

import io.qwen4j.tensor.Tensor;
import java.util.Optional;

/** A loaded causal language model: token ids in, logits out, keys and values kept in the caller's caches. */
public interface Model {

    ModelConfig config();

    /**
     * Runs the batch, appending each sequence's keys and values to its cache, and returns the requested
     * logits (valid until the next call). Throws {@link io.qwen4j.InvalidInputException} for a token id
     * outside the vocabulary or a sequence that does not fit its cache.
     */
    Logits forward(ForwardBatch batch);

    /** The LM head (rows of {@code hiddenSize}, one per vocabulary entry), when the model exposes it. */
    default Optional<Tensor> outputHead() {
        return Optional.empty();
    }

    /** llama.cpp's name of a classifier head's weight ({@code LLM_TENSOR_CLS_OUT}). */
    String CLASSIFIER_TENSOR = "cls.output.weight";

    /**
     * A classifier head over the final hidden state ({@link #CLASSIFIER_TENSOR}, one row per class), as llama.cpp's
     * converter writes for a reranker (Qwen3-Reranker: the LM head's rows of "yes" and "no"), or empty.
     */
    default Optional<Tensor> classifier() {
        return Optional.empty();
    }
}
