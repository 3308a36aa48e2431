package io.qwen4j.serving;

import io.qwen4j.engine.speculative.Drafter;
import io.qwen4j.engine.speculative.GuessCheckpoint;
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

    private SpeculativeDrafts() {
    }

    /**
     * Guesses to feed after {@code s}'s newest token, the only one it has uncomputed, with storage for them
     * allocated; fewer (or none) where free blocks run out, since a guess never preempts another sequence. With
     * guesses, what taking them back needs is kept ({@link #settle}).
     */
    static int[] draft(ServingSequence s, BlockManager blocks, Model model) {
        s.checkpoint = null;
        if (s.speculator == null) {
            return Drafter.NONE;
        }
        int next = s.decoder.computedTokens() + 1; // positions after the newest token
        int[] drafts = s.speculator.draft(s.decoder, s.decoder.draftRoom());
        int n = drafts.length;
        while (n > 0 && !blocks.canAllocate(s.blocksMissing(next + n))) {
            n--;
        }
        if (n > 0) {
            s.checkpoint = GuessCheckpoint.before(model, s.cache, s.decoder.computedTokens());
            if (s.checkpoint == null) {
                return Drafter.NONE;
            }
        }
        while (s.blocksMissing(next + n) > 0) {
            s.growByOneBlock(blocks);
        }
        return n == drafts.length ? drafts : Arrays.copyOf(drafts, n);
    }

    /** After {@code s}'s choice, {@code accepted} of its guesses right: wrong ones are taken back. */
    static void settle(Model model, ServingSequence s, int accepted) {
        if (s.checkpoint != null) {
            s.checkpoint.takeBack(model, s.cache, s.decoder, s.drafts.length, accepted);
            s.checkpoint = null;
        }
    }
}
