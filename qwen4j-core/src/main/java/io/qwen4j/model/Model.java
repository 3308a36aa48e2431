package io.qwen4j.model;

/** A loaded causal language model: token ids in, logits out, keys and values kept in the caller's caches. */
public interface Model {

    ModelConfig config();

    /**
     * Runs the batch, appending each sequence's keys and values to its cache, and returns the requested
     * logits (valid until the next call). Throws {@link io.qwen4j.InvalidInputException} for a token id
     * outside the vocabulary or a sequence that does not fit its cache.
     */
    Logits forward(ForwardBatch batch);
}
