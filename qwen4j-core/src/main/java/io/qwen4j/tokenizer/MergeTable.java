package io.qwen4j.tokenizer;

/**
 * BPE merge ranks: (left id, right id) → rank, with the id of the merged token per rank. An open-addressing
 * table on primitive longs, because the lookup sits in the innermost loop of encoding.
 */
final class MergeTable {
    static final int NONE = -1;

    private final long[] keys;
    private final int[] ranks;
    private final int[] mergedIds;
    private final int mask;

    MergeTable(int[] lefts, int[] rights, int[] merged) {
        int capacity = Integer.highestOneBit(Math.max(4, lefts.length * 2 - 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        java.util.Arrays.fill(keys, -1L);
        mask = capacity - 1;
        mergedIds = merged.clone();
        for (int rank = 0; rank < lefts.length; rank++) {
            long key = key(lefts[rank], rights[rank]);
            int slot = slot(key);
            while (keys[slot] != -1L && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            if (keys[slot] == -1L) {
                // A duplicated merge keeps its first (best) rank, as HF's map construction does.
                keys[slot] = key;
                ranks[slot] = rank;
            }
        }
    }

    int size() {
        return mergedIds.length;
    }

    /** Rank of merging {@code left} then {@code right}, or {@link #NONE}. */
    int rank(int left, int right) {
        long key = key(left, right);
        for (int slot = slot(key); ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) {
                return ranks[slot];
            }
            if (k == -1L) {
                return NONE;
            }
        }
    }

    int mergedId(int rank) {
        return mergedIds[rank];
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
