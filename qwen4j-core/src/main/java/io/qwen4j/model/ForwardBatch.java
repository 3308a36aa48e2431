package io.qwen4j.model;

import java.util.Arrays;
import java.util.List;

/**
 * One forward pass over several sequences: each brings its new tokens, the position of the first of them,
 * and its own cache. A prefill is one sequence with many tokens; batched decode is many sequences with one
 * token each; both run through the same batched pass.
 */
public record ForwardBatch(List<Sequence> sequences, LogitsWanted logitsWanted) {

    /** Which positions get logits back. */
    public enum LogitsWanted {
        /**
         * The last {@link Sequence#logitRows} new positions of each sequence: one in plain generation, the fed token
         * and its draft tokens when speculative decoding verifies them.
         */
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

    /**
     * New tokens of one sequence; {@code tokens[i]} sits at position {@code startPosition + i}. Under
     * {@link LogitsWanted#LAST} the last {@code logitRows} of them get logits.
     */
    public record Sequence(int[] tokens, int startPosition, KvCache cache, int logitRows) {
        public Sequence {
            tokens = tokens.clone();
            if (logitRows < 1 || logitRows > Math.max(1, tokens.length)) {
                throw new IllegalArgumentException(logitRows + " logit rows for " + tokens.length + " tokens");
            }
        }

        /** Logits for the last token only. */
        public Sequence(int[] tokens, int startPosition, KvCache cache) {
            this(tokens, startPosition, cache, 1);
        }

        /**
         * Speculative decoding's pass: {@code fed} (ending with the sequence's newest token) followed by guessed
         * tokens, with logits after the newest token and after each guess.
         */
        public static Sequence verifying(int[] fed, int[] drafts, int startPosition, KvCache cache) {
            int[] tokens = Arrays.copyOf(fed, fed.length + drafts.length);
            System.arraycopy(drafts, 0, tokens, fed.length, drafts.length);
            return new Sequence(tokens, startPosition, cache, drafts.length + 1);
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
