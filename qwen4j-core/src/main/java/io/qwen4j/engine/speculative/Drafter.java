package io.qwen4j.engine.speculative;

import io.qwen4j.engine.SequenceDecoder;

/**
 * Guesses the tokens that come next in a sequence, for speculative decoding: the model then checks the guesses in
 * the same forward pass as the sequence's next token, and every guess it would have chosen itself is a token gained
 * without a pass of its own. A drafter is asked for one sequence at a time, and may serve several in turn (a
 * generator's requests, or the scheduler's streams, of which only one guesses at a time).
 */
public interface Drafter {

    /** No guess. */
    int[] NONE = new int[0];

    /** Up to {@code max} tokens guessed to follow {@code sequence}'s prompt and output so far; empty for no guess. */
    int[] draft(SequenceDecoder sequence, int max);
}
