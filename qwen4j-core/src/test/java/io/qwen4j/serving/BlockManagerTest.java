package io.qwen4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Block bookkeeping with no model: reference counts, the free list, prefix hits and LRU eviction. */
class BlockManagerTest {

    static int[] block(int first) {
        int[] t = new int[16];
        for (int i = 0; i < 16; i++) {
            t[i] = first + i;
        }
        return t;
    }

    @Test
    void allocateAndReleaseCountReferences() {
        var blocks = new BlockManager(3, true);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            got.add(blocks.allocate());
        }
        assertEquals(Set.of(0, 1, 2), got);
        assertEquals(3, blocks.usedBlocks());
        assertTrue(!blocks.canAllocate(1));
        assertThrows(IllegalStateException.class, blocks::allocate);
        blocks.release(1);
        assertEquals(2, blocks.usedBlocks());
        assertEquals(1, blocks.allocate());
        blocks.release(1);
        assertThrows(IllegalStateException.class, () -> blocks.release(1));
    }

    @Test
    void registeredBlockIsReusedThenEvictedLeastRecentlyReleasedFirst() {
        var blocks = new BlockManager(2, true);
        int a = blocks.allocate();
        int[] tokensA = block(100);
        long hashA = BlockManager.chainHash(0, tokensA, 0, 16);
        blocks.register(a, 0, hashA, tokensA);
        int b = blocks.allocate();
        int[] tokensB = block(200);
        long hashB = BlockManager.chainHash(hashA, tokensB, 0, 16);
        blocks.register(b, hashA, hashB, tokensB);
        blocks.release(b); // released first: evicted first
        blocks.release(a);
        assertEquals(0, blocks.usedBlocks());
        assertEquals(2, blocks.cachedBlocks());
        // a hit takes a reference and leaves the evictable set
        assertEquals(a, blocks.acquireCached(0, hashA, tokensA, 0, 16));
        assertEquals(1, blocks.usedBlocks());
        assertEquals(1, blocks.cachedBlocks());
        // same hash but other tokens, or another parent: no hit
        assertEquals(-1, blocks.acquireCached(0, hashA, block(101), 0, 16));
        assertEquals(-1, blocks.acquireCached(12345, hashB, tokensB, 0, 16));
        // a fresh allocation must evict b (the only unreferenced block); its hash is forgotten
        assertEquals(b, blocks.allocate());
        assertEquals(0, blocks.cachedBlocks());
        assertEquals(-1, blocks.acquireCached(hashA, hashB, tokensB, 0, 16));
    }

    @Test
    void aDuplicatePrefixStaysPrivateAndIsFreedOnRelease() {
        var blocks = new BlockManager(2, true);
        int[] tokens = block(5);
        long hash = BlockManager.chainHash(0, tokens, 0, 16);
        int first = blocks.allocate();
        int second = blocks.allocate();
        blocks.register(first, 0, hash, tokens);
        blocks.register(second, 0, hash, tokens);
        blocks.release(second);
        blocks.release(first);
        assertEquals(1, blocks.cachedBlocks(), "only the first copy is cached");
        assertEquals(first, blocks.acquireCached(0, hash, tokens, 0, 16));
    }

    @Test
    void withoutPrefixCachingNothingIsCached() {
        var blocks = new BlockManager(1, false);
        int[] tokens = block(0);
        long hash = BlockManager.chainHash(0, tokens, 0, 16);
        int a = blocks.allocate();
        blocks.register(a, 0, hash, tokens);
        blocks.release(a);
        assertEquals(0, blocks.cachedBlocks());
        assertEquals(-1, blocks.acquireCached(0, hash, tokens, 0, 16));
    }

    @Test
    void chainHashDependsOnParentAndOrder() {
        int[] t = block(0);
        assertNotEquals(BlockManager.chainHash(0, t, 0, 16), BlockManager.chainHash(1, t, 0, 16));
        int[] swapped = t.clone();
        swapped[0] = t[1];
        swapped[1] = t[0];
        assertNotEquals(BlockManager.chainHash(0, t, 0, 16), BlockManager.chainHash(0, swapped, 0, 16));
    }
}
