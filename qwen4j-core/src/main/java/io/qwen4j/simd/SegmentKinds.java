package io.qwen4j.simd;

import java.lang.foreign.MemorySegment;

/**
 * Loads every kind of heap memory segment before the first kernel is compiled.
 *
 * <p>Why: C2 compiles the weight kernels while only mapped (native) segments exist and relies on that
 * class hierarchy. The Vector API's interpreted fallback for {@code reinterpretAsInts} (used by
 * {@link Lanes#exp}) creates the first heap segment in the middle of the first forward pass; loading that
 * class invalidated the compiled Q8_0 dot and the segment accessors, which then ran in slow tiers until
 * recompiled (measured: the dot's C2 code discarded and rebuilt ~230 ms later during the first token).
 * With all kinds loaded up front, kernels are compiled once against the hierarchy they will see.
 */
public final class SegmentKinds {

    private SegmentKinds() {
    }

    /** Creates one empty heap segment of each element type (cheap; repeat calls do nothing new). */
    public static void load() {
        MemorySegment.ofArray(new byte[0]);
        MemorySegment.ofArray(new short[0]);
        MemorySegment.ofArray(new char[0]);
        MemorySegment.ofArray(new int[0]);
        MemorySegment.ofArray(new long[0]);
        MemorySegment.ofArray(new float[0]);
        MemorySegment.ofArray(new double[0]);
    }
}
