package io.qwen4j.engine.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.SequenceDecoder;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpeculatorTest {

    @Test
    void lengthGrowsWhileGuessesAreRightAndFallsBackAfterAMiss() {
        var speculator = new Speculator((sequence, max) -> new int[max], 4);
        assertEquals(1, speculator.length());
        speculator.checked(1, 1);
        speculator.checked(2, 2);
        speculator.checked(3, 3);
        assertEquals(4, speculator.length());
        speculator.checked(4, 4);
        assertEquals(4, speculator.length(), "capped at the maximum");
        speculator.checked(4, 2);
        assertEquals(3, speculator.length(), "one past the right ones");
        speculator.checked(3, 0);
        assertEquals(1, speculator.length());
        speculator.checked(0, 0);
        assertEquals(1, speculator.length(), "a pass without guesses changes nothing");
    }

    @Test
    void asksTheDrafterForAtMostTheLengthAndTheRoom() {
        var speculator = new Speculator((sequence, max) -> new int[max], 8);
        var request = new GenerationRequest(SamplingParams.greedy(), 8, Set.of());
        var sequence = new SequenceDecoder(new int[] {1}, request, new Sampler(request.sampling(), 10, null), 16);
        assertEquals(1, speculator.draft(sequence, 5).length);
        speculator.checked(1, 1);
        speculator.checked(2, 2);
        assertEquals(3, speculator.draft(sequence, 5).length);
        assertEquals(2, speculator.draft(sequence, 2).length);
        assertArrayEquals(new int[0], speculator.draft(sequence, 0));
    }

    /** Runs one decode pass: asks for guesses, then reports {@code nanosPerToken} per step; true if it guessed. */
    private static boolean pass(Speculator speculator, SequenceDecoder sequence, long nanosPerToken) {
        int[] drafts = speculator.draft(sequence, 5);
        speculator.timed(1, nanosPerToken);
        return drafts.length > 0;
    }

    private static SequenceDecoder oneTokenSequence() {
        var request = new GenerationRequest(SamplingParams.greedy(), 8, Set.of());
        return new SequenceDecoder(new int[] {1}, request, new Sampler(request.sampling(), 10, null), 16);
    }

    @Test
    void guessesPauseWhileTheyAreSlowerThanPlainPassesAndLongerEachTime() {
        var speculator = new Speculator((sequence, max) -> new int[max], 4);
        var sequence = oneTokenSequence();
        for (int i = 0; i < Speculator.MIN_SAMPLES; i++) {
            assertEquals(true, pass(speculator, sequence, 100));
        }
        for (int i = 0; i < Speculator.PROBE; i++) { // plain passes to compare with
            assertEquals(false, pass(speculator, sequence, 50));
        }
        assertEquals(true, pass(speculator, sequence, 100)); // slower again: a pause of 8
        for (int i = 0; i < 8; i++) {
            assertEquals(false, pass(speculator, sequence, 50), "pass " + i + " of the pause");
        }
        for (int i = 0; i < Speculator.MIN_SAMPLES; i++) { // judged afresh: 4 passes with guesses
            assertEquals(true, pass(speculator, sequence, 100));
        }
        for (int i = 0; i < 16; i++) {
            assertEquals(false, pass(speculator, sequence, 50), "pass " + i + " of the longer pause");
        }
        assertEquals(true, pass(speculator, sequence, 100));
    }

    @Test
    void guessesThatPayGoOn() {
        var speculator = new Speculator((sequence, max) -> new int[max], 4);
        var sequence = oneTokenSequence();
        for (int i = 0; i < Speculator.MIN_SAMPLES; i++) {
            pass(speculator, sequence, 30);
        }
        for (int i = 0; i < Speculator.PROBE; i++) {
            assertEquals(false, pass(speculator, sequence, 50));
        }
        for (int i = 0; i < 50; i++) {
            assertEquals(true, pass(speculator, sequence, 30), "pass " + i);
        }
    }

    @Test
    void withoutPausesItGuessesHoweverSlow() {
        var speculator = new Speculator((sequence, max) -> new int[max], 4, false);
        var sequence = oneTokenSequence();
        for (int i = 0; i < 40; i++) {
            assertEquals(true, pass(speculator, sequence, 1000), "pass " + i);
        }
    }
}
