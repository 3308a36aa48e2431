package io.qwen4j.engine.speculative;

import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.Model;
import io.qwen4j.model.RecurrentState;

/**
 * What a pass with guesses needs to take wrong ones back. Keys and values are kept per position, so wrong guesses
 * past the sequence's end are simply overwritten; a hybrid model's linear attention, though, folds every fed token into
 * one recurrent state, so its pass keeps a copy of the state from before it, goes back to it after a wrong guess, and
 * the sequence's next pass feeds the right tokens again (their keys and values are rewritten alike).
 */
public final class GuessCheckpoint {

    /** A model without a recurrent state: nothing to keep or take back. */
    private static final GuessCheckpoint NOT_NEEDED = new GuessCheckpoint(null, 0);

    private final RecurrentState state;
    private final int start;

    private GuessCheckpoint(RecurrentState state, int start) {
        this.state = state;
        this.start = start;
    }

    /**
     * Before a pass with guesses that feeds {@code cache}'s sequence from position {@code start}; null when the model
     * keeps a recurrent state but the sequence has none yet (before its first pass): it must not guess then.
     */
    public static GuessCheckpoint before(Model model, KvCache cache, int start) {
        if (!model.config().isHybrid()) {
            return NOT_NEEDED;
        }
        return model.saveRecurrentState(cache).map(state -> new GuessCheckpoint(state, start)).orElse(null);
    }

    /**
     * After the choice, {@code accepted} of the {@code drafted} guesses right: when some were wrong, a hybrid's state
     * goes back to the copy and {@code decoder}'s computed mark to the pass's start. True when it did.
     */
    public boolean takeBack(Model model, KvCache cache, SequenceDecoder decoder, int drafted, int accepted) {
        if (state == null || accepted == drafted) {
            return false;
        }
        model.restoreRecurrentState(cache, state);
        decoder.resetComputed(start);
        return true;
    }
}
