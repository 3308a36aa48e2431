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

    /**
     * A copy of the recurrent state {@code cache}'s sequence holds (hybrid models' linear attention), to resume another
     * sequence with the same tokens from it later; empty for models without one or a sequence that has none.
     */
    default Optional<RecurrentState> saveRecurrentState(KvCache cache) {
        return Optional.empty();
    }

    /**
     * Makes {@code cache}'s sequence continue from {@code state} (a copy is taken): its next token goes at
     * {@code state.position()}, with the keys and values of the positions before it already in {@code cache}.
     */
    default void restoreRecurrentState(KvCache cache, RecurrentState state) {
        throw new UnsupportedOperationException("this model keeps no recurrent state");
    }

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
