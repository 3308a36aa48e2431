package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Starting a request on a cache that already holds a prefix of its prompt (multi-turn chat). */
class GeneratorResumeTest {

    @Test
    void prefillsOnlyTheSuffixFromItsPosition() {
        var model = ScriptedModel.counting();
        var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, 32);
        var generation = new Generator(model).resume(new int[] {1, 2, 3, 4, 5}, 3, cache,
                new GenerationRequest(SamplingParams.greedy(), 2, Set.of()));
        var steps = generation.drain(s -> { });
        assertEquals(6, steps.get(0).token());
        assertEquals(7, steps.get(1).token());
        assertArrayEquals(new int[] {4, 5}, model.fed.get(0));
        assertEquals(List.of(3, 5), model.positions);
        assertEquals(5, generation.promptLength());
    }

    @Test
    void needsAtLeastOneNewPromptToken() {
        var model = ScriptedModel.counting();
        var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, 32);
        var request = new GenerationRequest(SamplingParams.greedy(), 2, Set.of());
        var generator = new Generator(model);
        assertThrows(IllegalArgumentException.class, () -> generator.resume(new int[] {1, 2}, 2, cache, request));
        assertThrows(IllegalArgumentException.class, () -> generator.resume(new int[] {1, 2}, -1, cache, request));
    }
}
