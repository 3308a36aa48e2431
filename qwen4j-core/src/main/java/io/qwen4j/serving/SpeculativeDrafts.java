package io.qwen4j.serving;

import io.qwen4j.model.Model;
import java.util.Arrays;

/**
 * The scheduler's side of speculative decoding: which sequences guess in a step and how many guesses their blocks
 * allow. The guesses ride in the step's one forward pass beside the other sequences' rows.
 */
final class SpeculativeDrafts {

    /**
     * Sequences guess only while at most this many decode in a step. Guesses are rows of the pass like any other, and
     * a second stream already fills the pass with a row that carries a token for sure: on 2 cores, with guesses, two
     * streams decoded 50 tok/s together against 59-60 without (README, "Speculative decoding").
     */
    static final int MAX_DECODING = 1;

    /**
     * Tokens a draft model catches up on per step. A new prompt is the draft model's to prefill, inside the engine's
     * step: in pieces of this size the step stays short (the draft is small) and the prompt is caught up on over a
     * few steps, with no guesses meanwhile.
     */
    static final int MAX_CATCH_UP = 64;

    private static final int[] NONE = new int[0];

    private SpeculativeDrafts() {
    }

    /**
     * Guesses to feed after {@code s}'s newest token, the only one it has uncomputed, with storage for them
     * allocated; fewer (or none) where free blocks run out, since a guess never preempts another sequence. For a
     * hybrid model a copy of the sequence's recurrent state is kept, to take wrong guesses back ({@link #settle}).
     */
    static int[] draft(ServingSequence s, BlockManager blocks, Model model) {
        s.stateBeforeGuesses = null;
        if (s.speculator == null) {
            return NONE;
        }
        int next = s.decoder.computedTokens() + 1; // positions after the newest token
        int[] drafts = s.speculator.draft(s.decoder, s.decoder.draftRoom());
        int n = drafts.length;
        while (n > 0 && !blocks.canAllocate(s.blocksMissing(next + n))) {
            n--;
        }
        if (n > 0 && model.config().isHybrid()) {
            s.stateBeforeGuesses = model.saveRecurrentState(s.cache).orElse(null);
            if (s.stateBeforeGuesses == null) {
                return NONE;
            }
        }
        while (s.blocksMissing(next + n) > 0) {
            s.growByOneBlock(blocks);
        }
        return n == drafts.length ? drafts : Arrays.copyOf(drafts, n);
    }

    /**
     * After {@code s}'s choice from a pass that started at {@code start}: a hybrid whose guesses were not all right
     * goes back to its state from before the pass, and its next pass feeds the right tokens again with the new one
     * (the keys and values of those positions are rewritten alike).
     */
    static void settle(Model model, ServingSequence s, int start, int accepted) {
        if (s.stateBeforeGuesses != null && accepted < s.drafts.length && !s.decoder.isFinished()) {
            model.restoreRecurrentState(s.cache, s.stateBeforeGuesses);
            s.decoder.resetComputed(start);
        }
        s.stateBeforeGuesses = null;
    }
}
