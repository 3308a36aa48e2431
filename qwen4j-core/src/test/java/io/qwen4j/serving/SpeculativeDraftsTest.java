package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.engine.speculative.Speculator;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A sequence's guesses get storage from free blocks only: short of them, fewer guesses, never a preemption. */
class SpeculativeDraftsTest {

    @Test
    void guessesAreCutToTheBlocksThatAreFree() {
        var config = BatchSchedulerTest.MODEL.config();
        PagedKvPool pool = PagedKvPool.forSequences(config, KvCacheType.F32, 1, 32);
        var blocks = new BlockManager(2, false);
        var request = new GenerationRequest(SamplingParams.greedy(), 10, Set.of());
        var s = new ServingSequence(new int[15], request, new Recorder());
        s.decoder = new SequenceDecoder(new int[15], request, new Sampler(request.sampling(), config.vocabSize()), 32);
        s.decoder.markComputed(14); // the newest token (position 14) is fed next; guesses go at 15, 16, ...
        s.cache = pool.newCache(32);
        s.growByOneBlock(blocks); // positions 0-15
        s.speculator = new Speculator((sequence, max) -> new int[max], 4);
        for (int right = 1; right <= 3; right++) {
            s.speculator.checked(right, right); // the length grows to 4
        }
        int other = blocks.allocate(); // another sequence holds the last block
        assertEquals(1, SpeculativeDrafts.draft(s, blocks, BatchSchedulerTest.MODEL).length, "only position 15 has storage");
        assertEquals(1, s.cache.blockCount());
        blocks.release(other);
        assertEquals(4, SpeculativeDrafts.draft(s, blocks, BatchSchedulerTest.MODEL).length);
        assertEquals(2, s.cache.blockCount(), "positions 16-18 got the freed block");
    }
}
