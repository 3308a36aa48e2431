package io.qwen4j.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Segments of native memory (a mapped model file, an arena's allocation) typed as the JDK's class for them, so
 * that the JIT binds their accessors from the class hierarchy instead of from a type profile.
 *
 * <p>Why: every read of a segment, vector or scalar, runs through JDK code shared by all segment reads in the
 * JVM (for vector loads {@code ScopedMemoryAccess.loadFromMemorySegmentScopedInternal}), whose calls to the
 * segment's base and offset are virtual. With the heap segment classes loaded ({@link SegmentKinds}) C2 binds
 * them only from that shared code's type profile, and a kernel compiled while the profile was thin or mixed made
 * them real calls on every load: the 16-lane Q4_K kernel ran at ~5 GFLOP/s instead of ~24 in about one of three
 * {@code bench matmul --types q4_k,q8_0,q4_0 --batch 1,32 -t 1} runs, the hot frame that shared method. With
 * type profiles off ({@code -XX:-UseTypeProfile}) every kernel did (Q8_0 batch 1: 2.9 GFLOP/s). A segment cast
 * to a constant class has that class wherever the kernel is compiled, whatever the profiles hold (README,
 * "Weights typed as native segments").
 *
 * <p>Each method that reads weights itself (a load, a {@code get}, or a call to a reference method such as
 * {@code dequantize} that takes any segment) starts with {@code weights = NativeSegments.TYPE.cast(weights)}; a
 * method that only hands the segment to such a method needs none. The cast itself, not a helper around it, because C2 may leave even a small helper out of line at a call it thinks cold,
 * and its result would be a plain {@code MemorySegment} again (seen: a helper of 26 bytes, "low call site
 * frequency", with the ~6 GFLOP/s back). On a segment already typed the check folds away. A heap segment there
 * fails the cast ({@code ClassCastException} naming the heap segment class): {@code Tensor} copies heap data to
 * native memory first ({@link #of}).
 */
public final class NativeSegments {

    /** The class of native segments; mapped segments are a subclass of it that overrides none of the accessors. */
    public static final Class<? extends MemorySegment> TYPE = Arena.global().allocate(1).getClass();

    private NativeSegments() {
    }

    /** {@code segment} itself when native, else a copy of it in native memory, freed with its last reference. */
    public static MemorySegment of(MemorySegment segment) {
        if (segment.isNative()) {
            return segment;
        }
        return Arena.ofAuto().allocate(segment.byteSize(), 64).copyFrom(segment);
    }
}
