package io.qwen4j.engine;

import io.qwen4j.model.KvCache;
import java.util.Arrays;

/**
 * One sequence's view of a {@link PagedKvPool}: position {@code p} lives in slot {@code p % BLOCK_SIZE}
 * of block {@code blockTable[p / BLOCK_SIZE]}. The owner appends blocks before the model writes past the
 * last one; blocks at the front may be shared with other sequences (a cached prefix), which only read them.
 */
public final class PagedKvCache implements KvCache {

    private static final int SHIFT = Integer.numberOfTrailingZeros(PagedKvPool.BLOCK_SIZE);
    private static final int MASK = PagedKvPool.BLOCK_SIZE - 1;

    private final PagedKvPool pool;
    private final KvSlots slots;
    private final int capacity;
    private int[] blockTable = new int[8];
    private int blocks;

    PagedKvCache(PagedKvPool pool, int capacity) {
        this.pool = pool;
        this.slots = pool.slots();
        this.capacity = capacity;
    }

    public PagedKvPool pool() {
        return pool;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Blocks in the table; positions {@code [0, blockCount() * BLOCK_SIZE)} have storage. */
    public int blockCount() {
        return blocks;
    }

    public int block(int index) {
        if (index < 0 || index >= blocks) {
            throw new IndexOutOfBoundsException(index);
        }
        return blockTable[index];
    }

    /** Positions that have storage. */
    public int allocatedPositions() {
        return blocks * PagedKvPool.BLOCK_SIZE;
    }

    public void appendBlock(int block) {
        if (block < 0 || block >= pool.blockCount()) {
            throw new IllegalArgumentException("block " + block + " is outside the pool of " + pool.blockCount());
        }
        if (blocks == blockTable.length) {
            blockTable = Arrays.copyOf(blockTable, blocks * 2);
        }
        blockTable[blocks++] = block;
    }

    /** Empties the table (the owner releases the blocks). */
    public void clear() {
        blocks = 0;
    }

    /** Keeps the first {@code count} blocks of the table (the owner releases the others). */
    public void truncate(int count) {
        if (count < 0 || count > blocks) {
            throw new IndexOutOfBoundsException(count);
        }
        blocks = count;
    }

    @Override
    public void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        int index = position >>> SHIFT;
        if (index >= blocks) {
            throw new IllegalStateException("position " + position + " has no block (" + blocks + " allocated)");
        }
        slots.write(layer, (blockTable[index] << SHIFT) | (position & MASK), key, keyOffset, value, valueOffset);
    }

    @Override
    public void keyScores(int layer, int kvHead, float[] query, int queryOffset, int queries, int count, float[] scores,
                          int scoresOffset) {
        for (int start = 0; start < count; start += PagedKvPool.BLOCK_SIZE) {
            int n = Math.min(PagedKvPool.BLOCK_SIZE, count - start);
            slots.keyScores(layer, kvHead, query, queryOffset, queries, blockTable[start >>> SHIFT] << SHIFT, n,
                    scores, scoresOffset + start, count);
        }
    }

    @Override
    public void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int queries, int count,
                                 float[] out, int outOffset) {
        for (int start = 0; start < count; start += PagedKvPool.BLOCK_SIZE) {
            int n = Math.min(PagedKvPool.BLOCK_SIZE, count - start);
            slots.accumulateValues(layer, kvHead, weights, weightsOffset + start, count, queries,
                    blockTable[start >>> SHIFT] << SHIFT, n, out, outOffset);
        }
    }
}
