package io.qwen4j.engine;

import io.qwen4j.InvalidInputException;
import io.qwen4j.model.ModelConfig;

/**
 * Key/value storage for many sequences in fixed blocks of {@link #BLOCK_SIZE} positions (every layer,
 * every kv head), as vLLM pages its cache: a sequence's cache is a {@link PagedKvCache} whose block table
 * lists the blocks holding its positions in order, so sequences grow without reserving a whole context,
 * and two sequences with the same prefix can point at the same blocks.
 *
 * <p>The pool is only storage; which blocks are free, shared or cached is the owner's bookkeeping (the
 * scheduler's block manager).
 */
public final class PagedKvPool {

    /** Positions per block (vLLM's default; a prefix is shared in whole blocks). */
    public static final int BLOCK_SIZE = 16;

    private final ModelConfig config;
    private final int blockCount;
    private final KvSlots slots;

    private PagedKvPool(ModelConfig config, KvCacheType type, int blockCount) {
        if (blockCount < 1) {
            throw new InvalidInputException("a paged KV pool needs at least one block, got " + blockCount);
        }
        this.config = config;
        this.blockCount = blockCount;
        this.slots = new KvSlots(config, type, (long) blockCount * BLOCK_SIZE, "a paged KV pool");
    }

    /** Room for {@code sequences} sequences of {@code contextLength} positions each, all at once. */
    public static PagedKvPool forSequences(ModelConfig config, KvCacheType type, int sequences, int contextLength) {
        if (sequences < 1) {
            throw new InvalidInputException("parallel sequences must be >= 1, got " + sequences);
        }
        if (contextLength < 1) {
            throw new InvalidInputException("context length must be positive, got " + contextLength);
        }
        long blocks = (long) sequences * blocksFor(contextLength);
        if (blocks > Integer.MAX_VALUE) {
            throw new InvalidInputException(sequences + " sequences of " + contextLength + " positions need too many KV blocks");
        }
        return new PagedKvPool(config, type, (int) blocks);
    }

    /** As many blocks as fit in {@code bytes}. */
    public static PagedKvPool forBudget(ModelConfig config, KvCacheType type, long bytes) {
        long perBlock = bytesPerBlock(config, type);
        long blocks = bytes / perBlock;
        if (blocks < 1) {
            throw new InvalidInputException("KV cache budget of " + bytes + " bytes holds no block ("
                    + perBlock + " bytes each)");
        }
        return new PagedKvPool(config, type, (int) Math.min(blocks, Integer.MAX_VALUE));
    }

    public static long bytesPerBlock(ModelConfig config, KvCacheType type) {
        return KvSlots.bytesPerPosition(config, type) * BLOCK_SIZE;
    }

    /** Blocks needed to hold {@code positions} positions. */
    public static int blocksFor(int positions) {
        return (positions + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    public int blockCount() {
        return blockCount;
    }

    public KvCacheType type() {
        return slots.type();
    }

    public ModelConfig config() {
        return config;
    }

    /** An empty cache view of at most {@code capacity} positions; its owner appends blocks before writing. */
    public PagedKvCache newCache(int capacity) {
        return new PagedKvCache(this, capacity);
    }

    KvSlots slots() {
        return slots;
    }
}
