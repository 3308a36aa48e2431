package io.qwen4j.model;

/**
 * A copy of one sequence's linear-attention state in every layer of a hybrid model after {@link #position()} tokens
 * ({@link Model#saveRecurrentState}). Unlike keys and values, the state cannot be cut back to a shorter prefix, so a
 * server that wants to reuse a prefix keeps such copies at the positions it may resume from.
 */
public final class RecurrentState {

    /** By layer; null for attention layers. */
    final GatedDeltaNet.State[] layers;
    private final int position;
    private final long bytes;

    RecurrentState(GatedDeltaNet.State[] layers, int position) {
        this.layers = layers;
        this.position = position;
        long b = 0;
        for (GatedDeltaNet.State s : layers) {
            b += s == null ? 0 : s.bytes();
        }
        this.bytes = b;
    }

    /** Tokens folded in: the sequence it resumes continues at this position. */
    public int position() {
        return position;
    }

    /** Heap bytes the copy holds. */
    public long bytes() {
        return bytes;
    }
}
