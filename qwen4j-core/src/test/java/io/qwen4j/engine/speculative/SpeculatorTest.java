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
}
