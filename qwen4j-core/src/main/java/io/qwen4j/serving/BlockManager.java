package io.qwen4j.serving;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Bookkeeping of a paged KV pool's blocks: reference counts, the free list, and the prefix cache.
 *
 * <p>A full block whose keys and values are computed can be {@linkplain #register registered} under the
 * hash chain of its tokens ({@code hash(parent block's hash, its 16 tokens)}), so a later sequence with the
 * same prefix {@linkplain #acquireCached acquires} it instead of recomputing. A block nobody references
 * any more stays cached while it is registered, in least-recently-released order, and is evicted only
 * when a fresh block is needed and the free list is empty. Blocks are plain ints; only the engine thread
 * calls this class.
 */
final class BlockManager {

    private static final long NO_HASH = 0;

    private final int blockCount;
    private final boolean prefixCaching;
    private final int[] refCounts;
    private final long[] hashes;
    private final long[] parentHashes;
    private final int[][] blockTokens;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** Registered blocks with no reference, oldest release first: the eviction order. */
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();
    private final Map<Long, Integer> cached = new HashMap<>();
    private int referenced;

    BlockManager(int blockCount, boolean prefixCaching) {
        this.blockCount = blockCount;
        this.prefixCaching = prefixCaching;
        this.refCounts = new int[blockCount];
        this.hashes = new long[blockCount];
        this.parentHashes = new long[blockCount];
        this.blockTokens = new int[blockCount][];
        for (int b = 0; b < blockCount; b++) {
            free.add(b);
        }
    }

    int blockCount() {
        return blockCount;
    }

    /** Blocks referenced by some sequence. */
    int usedBlocks() {
        return referenced;
    }

    /** Unreferenced blocks still holding a cached prefix (counted as free: they are evicted on demand). */
    int cachedBlocks() {
        return evictable.size();
    }

    int freeBlocks() {
        return blockCount - referenced;
    }

    boolean canAllocate(int blocks) {
        return freeBlocks() >= blocks;
    }

    /** A fresh block with one reference: from the free list, else the least recently released cached one. */
    int allocate() {
        int block;
        if (!free.isEmpty()) {
            block = free.poll();
        } else if (!evictable.isEmpty()) {
            Iterator<Integer> oldest = evictable.iterator();
            block = oldest.next();
            oldest.remove();
            forget(block);
        } else {
            throw new IllegalStateException("no free KV block (" + blockCount + " in use)");
        }
        refCounts[block] = 1;
        referenced++;
        return block;
    }

    /** Drops one reference; an unreferenced block becomes free, or evictable when it caches a prefix. */
    void release(int block) {
        if (refCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than acquired");
        }
        if (--refCounts[block] == 0) {
            referenced--;
            if (hashes[block] != NO_HASH) {
                evictable.add(block);
            } else {
                free.add(block);
            }
        }
    }

    /**
     * The cached block that holds {@code tokens[from, from + 16)} after the block hashed {@code parentHash},
     * with one more reference, or -1.
     */
    int acquireCached(long parentHash, long hash, int[] tokens, int from, int to) {
        if (!prefixCaching) {
            return -1;
        }
        Integer block = cached.get(hash);
        if (block == null || parentHashes[block] != parentHash
                || !Arrays.equals(blockTokens[block], 0, blockTokens[block].length, tokens, from, to)) {
            return -1;
        }
        if (refCounts[block]++ == 0) {
            evictable.remove(block);
            referenced++;
        }
        return block;
    }

    /**
     * Offers a referenced, fully computed block to the prefix cache under {@code hash}. A block with the
     * same hash already cached (another sequence computed the same prefix) wins; this one stays private.
     */
    void register(int block, long parentHash, long hash, int[] tokens) {
        if (!prefixCaching || cached.containsKey(hash) || hashes[block] != NO_HASH) {
            return;
        }
        cached.put(hash, block);
        hashes[block] = hash;
        parentHashes[block] = parentHash;
        blockTokens[block] = tokens;
    }

    private void forget(int block) {
        cached.remove(hashes[block]);
        hashes[block] = NO_HASH;
        blockTokens[block] = null;
    }

    /** The chain hash of a block: its parent's hash and its tokens (never {@link #NO_HASH}). */
    static long chainHash(long parentHash, int[] tokens, int from, int to) {
        long h = parentHash * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (int i = from; i < to; i++) {
            h = mix(h ^ tokens[i]);
        }
        return h == NO_HASH ? 1 : h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
