package io.qwen4j.engine.speculative;

import io.qwen4j.engine.SequenceDecoder;

/**
 * One sequence's speculative decoding: its {@link Drafter} and how many guesses to check next. Each guess costs a row
 * of the forward pass whether it is right or not, and on a CPU whose decode is compute bound a second row costs ~1.4x
 * the first (README, "Speculative decoding"), so the length adapts: one more after a pass whose guesses were all
 * right, back to one past the right ones after a miss, between 1 and the configured maximum.
 */
public final class Speculator {

    private final Drafter drafter;
    private final int maxDraft;
    private int length = 1;

    public Speculator(Drafter drafter, int maxDraft) {
        if (maxDraft < 1) {
            throw new IllegalArgumentException("max draft must be >= 1, got " + maxDraft);
        }
        this.drafter = drafter;
        this.maxDraft = maxDraft;
    }

    /** Guesses to feed after {@code sequence}'s next token: at most the current length and {@code room}. */
    public int[] draft(SequenceDecoder sequence, int room) {
        return room < 1 ? new int[0] : drafter.draft(sequence, Math.min(length, room));
    }

    /** {@code accepted} of the {@code drafted} guesses were right. */
    public void checked(int drafted, int accepted) {
        if (drafted == 0) {
            return;
        }
        length = accepted == drafted ? Math.min(maxDraft, length + 1) : Math.min(maxDraft, accepted + 1);
    }

    /** Guesses the next pass may check at most. */
    public int length() {
        return length;
    }
}
