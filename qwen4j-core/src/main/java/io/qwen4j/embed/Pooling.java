package io.qwen4j.embed;

import io.qwen4j.InvalidInputException;
import java.util.Locale;

/**
 * How a sequence's hidden states become one vector: llama.cpp's {@code llama_pooling_type}, whose ids a GGUF file
 * stores under {@code {arch}.pooling_type}.
 */
public enum Pooling {
    /** Per-token states, no pooling (not served as one embedding). */
    NONE,
    /** The average over all positions (sentence-transformers' {@code pooling_mode_mean_tokens}). */
    MEAN,
    /** The first position's state. */
    CLS,
    /** The last position's state: Qwen3-Embedding's pooling ({@code last_token_pool}). */
    LAST,
    /** A classifier's score of the last position: rerankers. */
    RANK;

    /** The pooling with llama.cpp's id {@code id}, or an error naming it. */
    public static Pooling ofGgufId(int id) {
        if (id < 0 || id >= values().length) {
            throw new InvalidInputException("unknown pooling type " + id + " (llama.cpp's ids are 0-4: none, mean, cls, last, rank)");
        }
        return values()[id];
    }

    /** The pooling named {@code name} (case-insensitive), or an error listing the names. */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("unknown pooling '" + name + "' (none, mean, cls, last, rank)");
        }
    }

    /** llama.cpp's id of this pooling, as {@code {arch}.pooling_type} stores it. */
    public int ggufId() {
        return ordinal();
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
