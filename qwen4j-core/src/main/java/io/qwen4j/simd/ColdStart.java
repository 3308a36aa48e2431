package io.qwen4j.simd;

/**
 * How many more elements a kernel sends through its scalar twin before its Vector API code takes over.
 *
 * <p>Why: until C2 compiles it, Vector API code runs interpreted or C1-compiled with every vector boxed,
 * tens of times slower than plain scalar code, which C1 compiles to a useful speed after a few calls. In a
 * fresh process the first forward pass therefore spent ~140 ms of its ~600 ms in SwiGLU and in the
 * log-softmax over the vocabulary (0.6B Q8_0, {@code QWEN4J_TRACE=1 generate}, medians of 5, README
 * "Start-up"). Past the budget the vector code runs, about 8x faster than the twin once compiled.
 *
 * <p>A kernel with a twin computes the same bits either way (each pair is tested on the same inputs), so
 * which one ran never shows in a result, only in its speed. The counter is read and written without
 * synchronisation on purpose: two threads racing on it cost at most a few calls on the slower path.
 */
public final class ColdStart {

    /** Elements per kernel before the vector code runs: about three decode steps of SwiGLU on Qwen3-0.6B. */
    public static final long DEFAULT_ELEMENTS = 1 << 18;

    private long remaining;

    public ColdStart(long elements) {
        this.remaining = elements;
    }

    /** Whether a call over {@code n} elements should run the scalar twin; counts them against the budget. */
    public boolean scalar(int n) {
        if (remaining <= 0) {
            return false;
        }
        remaining -= n;
        return true;
    }
}
