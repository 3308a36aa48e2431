package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Model;
import io.qwen4j.model.RecurrentState;
import io.qwen4j.model.TinyModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kept states' budget: least recently used first out, a state larger than the budget never in. */
class RecurrentStateCacheTest {

    private static RecurrentState state(Model model, int tokens) {
        var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, 64);
        model.forward(new ForwardBatch(List.of(new ForwardBatch.Sequence(BatchSchedulerTest.prompt(tokens, tokens), 0, cache)),
                ForwardBatch.LogitsWanted.LAST));
        return model.saveRecurrentState(cache).orElseThrow();
    }

    @Test
    void leastRecentlyUsedStatesLeaveBeyondTheBudget() {
        Model model = TinyModels.qwen35(3, 64);
        RecurrentState a = state(model, 5);
        RecurrentState b = state(model, 6);
        RecurrentState c = state(model, 7);
        assertEquals(5, a.position());
        // the tiny hybrid: 2 linear layers, each 4 value heads of 16x16 floats and 3 taps x 128 channels of inputs
        assertEquals(2 * 4 * (4 * 16 * 16 + 3 * 128), a.bytes());
        assertEquals(a.bytes(), model.config().recurrentStateBytes(), "what bench counts per sequence");
        var states = new RecurrentStateCache(2 * a.bytes() + 1);
        states.put(1, a);
        states.put(2, b);
        assertSame(a, states.get(1)); // a is now the most recently used
        states.put(3, c);
        assertTrue(states.has(1));
        assertFalse(states.has(2), "b was the least recently used");
        assertTrue(states.has(3));
        assertEquals(2 * a.bytes(), states.bytes());

        var tiny = new RecurrentStateCache(a.bytes() - 1);
        tiny.put(1, a);
        assertEquals(0, tiny.size(), "a state larger than the whole budget is not kept");
    }
}
