package io.qwen4j.quant;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** A format that cannot quantize ({@link QuantFormat#canQuantize} false) but can fill tensors with random valid blocks. */
public interface RandomBlocks {

    /**
     * Fills {@code count} elements (whole blocks) at byte {@code offset} of {@code dst} with random blocks whose
     * weights have about this root mean square; the same seed gives the same bytes.
     */
    void randomBlocks(long seed, float rms, MemorySegment dst, long offset, int count);

    /** Whether random tensors of this format can be written: quantized from random values, or as random blocks. */
    static boolean writable(QuantFormat format) {
        return format.canQuantize() || format instanceof RandomBlocks;
    }

    /** The random blocks to write instead of quantized random values: for a format that has blocks but no quantizer. */
    static Optional<RandomBlocks> instead(QuantFormat format) {
        return !format.canQuantize() && format instanceof RandomBlocks blocks ? Optional.of(blocks) : Optional.empty();
    }

    /** xorshift64 (13, 7, 17): the next state, whose low bits are the random bytes. */
    static long next(long state) {
        state ^= state << 13;
        state ^= state >>> 7;
        return state ^ state << 17;
    }
}
