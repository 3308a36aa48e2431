package io.qwen4j.quant;

import java.util.Arrays;

/**
 * Per-thread float buffers for the kernels, one per {@link Slot}, reused from call to call: a decode step
 * calls a matmul a few hundred times per thread, and fresh arrays there (a permuted x, x sums, a decoded
 * row) were megabytes of garbage per token. Each slot grows to the largest size asked of it; a request
 * above {@link #MAX_KEPT} floats (a long prompt's batch) gets a fresh array instead, so a thread never
 * keeps more than a few MB alive. Contents are not cleared: callers write before they read.
 */
final class Scratch {

    /** What a buffer holds; two live buffers of one call must use different slots. */
    enum Slot {
        /** A weight row decoded to floats. */
        ROW,
        /** The next weight row, for kernels that take rows two or three at a time. */
        SECOND_ROW,
        /** The row after that, for {@link Tile3x2}. */
        THIRD_ROW,
        /** Per-sub-block values of a row: scales, mins, unpacked levels. */
        ROW_SIDE,
        /** {@link #ROW_SIDE} of a second row, for one-row kernels that take two rows at once. */
        SECOND_ROW_SIDE,
        /** Per-sub-block sums of the activations. */
        ACTIVATION_SUMS,
        /** The sums a kernel hands back (a tile's, a one-row dot's); a blocked batched pass's accumulators per pair. */
        SUMS,
        /** One activation row of a small batch multiplied row by row ({@link SmallBatches}). */
        BATCH_ROW,
        /** That row's results, before they move to their place in the batch's output. */
        BATCH_ROW_OUT
    }

    /** 1 Mi floats (4 MiB) per slot at most. */
    static final int MAX_KEPT = 1 << 20;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[Slot.values().length][0]);
    private static final ThreadLocal<float[][]> ROWS = ThreadLocal.withInitial(() -> new float[0][]);

    private Scratch() {
    }

    /** A buffer of at least {@code count} floats for {@code slot}, owned by the calling thread. */
    static float[] floats(Slot slot, int count) {
        if (count > MAX_KEPT) {
            return new float[count];
        }
        float[][] buffers = BUFFERS.get();
        float[] buffer = buffers[slot.ordinal()];
        if (buffer.length < count) {
            buffer = new float[Math.max(count, Math.min(MAX_KEPT, 2 * buffer.length))];
            buffers[slot.ordinal()] = buffer;
        }
        return buffer;
    }

    private static final ThreadLocal<byte[]> BYTES = ThreadLocal.withInitial(() -> new byte[0]);

    /** A buffer of at least {@code count} bytes, owned by the calling thread: the one byte slot (a row's unpacked levels). */
    static byte[] bytes(int count) {
        if (count > 4 * MAX_KEPT) {
            return new byte[count];
        }
        byte[] buffer = BYTES.get();
        if (buffer.length < count) {
            buffer = new byte[Math.max(count, Math.min(4 * MAX_KEPT, 2 * buffer.length))];
            BYTES.set(buffer);
        }
        return buffer;
    }

    /**
     * {@code count} buffers of at least {@code length} floats each, owned by the calling thread: the
     * activation rows of a batched kernel (each rearranged into its element order), as arrays of their own. Above {@link #MAX_KEPT} floats in all, fresh arrays.
     */
    static float[][] rows(int count, int length) {
        return rows(ROWS, count, length);
    }

    /**
     * {@link #rows(int, int)} kept in {@code holder} instead: for rows that must outlive other kernels' use of the
     * shared ones on the same thread (a format's activations prepared for a whole matmul).
     */
    static float[][] rows(ThreadLocal<float[][]> holder, int count, int length) {
        if ((long) count * length > MAX_KEPT) {
            return new float[count][length];
        }
        float[][] rows = holder.get();
        if (rows.length < count) {
            rows = Arrays.copyOf(rows, count);
            holder.set(rows);
        }
        for (int i = 0; i < count; i++) {
            if (rows[i] == null || rows[i].length < length) {
                rows[i] = new float[length];
            }
        }
        return rows;
    }
}
