package io.qwen4j.model;

import java.util.List;

/**
 * One forward pass over several sequences: each brings its new tokens, the position of the first of them,
 * and its own cache. A prefill is one sequence with many tokens; batched decode is many sequences with one
 * token each; both run through the same batched pass.
 */
public record ForwardBatch(List<Sequence> sequences, LogitsWanted logitsWanted) {

    /** Which positions get logits back. */
    public enum LogitsWanted {
        /** The last new position of each sequence (generation). */
        LAST,
        /** Every new position (teacher-forced scoring, tests). */
        ALL,
        /**
         * No logits: every new position's hidden state after the final norm (HF's {@code last_hidden_state}),
         * rows of {@code hiddenSize} floats, for embeddings and classifiers. Returned in an array of its own,
         * not in the buffer the next pass reuses, so a caller on another thread than a generation loop never
         * overwrites that loop's logits.
         */
        HIDDEN
    }

    /** New tokens of one sequence; {@code tokens[i]} sits at position {@code startPosition + i}. */
    public record Sequence(int[] tokens, int startPosition, KvCache cache) {
        public Sequence {
            tokens = tokens.clone();
        }

        public int end() {
            return startPosition + tokens.length;
        }
    }

    public ForwardBatch {
        sequences = List.copyOf(sequences);
    }

    public static ForwardBatch of(Sequence sequence) {
        return new ForwardBatch(List.of(sequence), LogitsWanted.LAST);
    }

    public int tokenCount() {
        int n = 0;
        for (Sequence s : sequences) {
            n += s.tokens().length;
        }
        return n;
    }
}
