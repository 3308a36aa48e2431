package io.qwen4j.quant;

import java.lang.foreign.MemorySegment;

/** A format that cannot quantize ({@link QuantFormat#canQuantize} false) but can fill tensors with random valid blocks. */
public interface RandomBlocks {

    /**
     * Fills {@code count} elements (whole blocks) at byte {@code offset} of {@code dst} with random blocks whose
     * weights have about this root mean square; the same seed gives the same bytes.
     */
    void randomBlocks(long seed, float rms, MemorySegment dst, long offset, int count);

    /** xorshift64 (13, 7, 17): the next state, whose low bits are the random bytes. */
    static long next(long state) {
        state ^= state << 13;
        state ^= state >>> 7;
        return state ^ state << 17;
    }
}
