package io.qwen4j.engine.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.SequenceDecoder;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromptLookupDrafterTest {

    private static SequenceDecoder sequence(int... tokens) {
        var request = new GenerationRequest(SamplingParams.greedy(), 8, Set.of());
        return new SequenceDecoder(tokens, request, new Sampler(request.sampling(), 100, null), 64);
    }

    private final PromptLookupDrafter drafter = new PromptLookupDrafter(2, 4);

    @Test
    void guessesWhatFollowedTheLatestEarlierOccurrenceOfTheLastTokens() {
        // [1 2] occurs at 0 (then 3 4 5) and at 5 (then 7 8): the latest wins
        assertArrayEquals(new int[] {7, 8}, drafter.draft(sequence(1, 2, 3, 4, 5, 1, 2, 7, 8, 9, 1, 2), 2));
    }

    @Test
    void prefersTheLongestMatchingNgram() {
        // the last 3 tokens [9 1 2] occur only at 0 (then 3); the shorter [1 2] later at 5 (then 7)
        assertArrayEquals(new int[] {3, 4}, drafter.draft(sequence(9, 1, 2, 3, 4, 1, 2, 7, 8, 9, 1, 2), 2));
    }

    @Test
    void stopsAtMaxAndAtTheEndOfTheSequence() {
        assertArrayEquals(new int[] {3, 4, 5}, drafter.draft(sequence(1, 2, 3, 4, 5, 6, 1, 2), 3));
        // the occurrence [2 3] at 1 is followed by 4 5 only before the suffix's own tokens
        assertArrayEquals(new int[] {2, 3}, drafter.draft(sequence(2, 3, 2, 3), 10));
        // a run of one token: the occurrence overlapping the suffix is followed by the run's last token
        assertArrayEquals(new int[] {7}, drafter.draft(sequence(7, 7, 7), 5));
    }

    @Test
    void noGuessWithoutAMatchOrRoom() {
        assertArrayEquals(new int[0], drafter.draft(sequence(1, 2, 3, 4, 5), 3));
        assertArrayEquals(new int[0], drafter.draft(sequence(1, 2, 1, 2), 0));
        assertArrayEquals(new int[0], drafter.draft(sequence(1), 3));
        // a single repeated token is below the minimum n-gram of 2
        assertArrayEquals(new int[0], drafter.draft(sequence(5, 6, 1, 6), 3));
        assertArrayEquals(new int[] {1}, new PromptLookupDrafter(1, 1).draft(sequence(5, 6, 1, 6), 1));
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new PromptLookupDrafter(0, 2));
        assertThrows(IllegalArgumentException.class, () -> new PromptLookupDrafter(3, 2));
    }
}
