package io.qwen4j.engine;

import java.util.Arrays;

/**
 * The working set of a sampling pass: adjusted logits over the whole vocabulary, then, once a truncation
 * step needs an order, the surviving token ids sorted by logit (descending) in {@code ids[0, size)}.
 */
final class Candidates {

    final float[] logits;
    final int[] ids;
    private final long[] sortKeys;
    int size;
    boolean sorted;

    Candidates(int vocabSize) {
        logits = new float[vocabSize];
        ids = new int[vocabSize];
        sortKeys = new long[vocabSize];
    }

    void reset(float[] source, int offset) {
        System.arraycopy(source, offset, logits, 0, logits.length);
        size = logits.length;
        sorted = false;
        for (int i = 0; i < size; i++) {
            ids[i] = i;
        }
    }

    float logit(int rank) {
        return logits[ids[rank]];
    }

    /** Sorts the candidates by logit, descending, ties by ascending id. */
    void sort() {
        if (sorted) {
            return;
        }
        for (int i = 0; i < size; i++) {
            sortKeys[i] = sortKey(i);
        }
        Arrays.sort(sortKeys, 0, size);
        takeSortedKeys(size);
    }

    /**
     * Keeps the {@code k} best candidates, sorted. A small {@code k} (Qwen's default is 20 over a 152k
     * vocabulary) selects them with a bounded heap instead of sorting everything: O(n log k), not
     * O(n log n), and the same survivors in the same order, since both order by the same keys.
     */
    void keepTop(int k) {
        if (sorted || k >= size / 4) {
            sort();
            size = Math.min(size, k);
            return;
        }
        // sortKeys[0, k) is a max-heap of the k smallest keys (smallest key = best candidate) seen so far
        for (int i = 0; i < k; i++) {
            siftUp(i, sortKey(i));
        }
        for (int i = k; i < size; i++) {
            long key = sortKey(i);
            if (key < sortKeys[0]) {
                siftDown(k, key);
            }
        }
        Arrays.sort(sortKeys, 0, k);
        takeSortedKeys(k);
    }

    /**
     * Float bits mapped to an unsigned order, complemented for descending order; 32 + 31 bits keep the key
     * non-negative, so a signed order of the keys is by logit (descending), then by id.
     */
    private long sortKey(int rank) {
        int bits = Float.floatToIntBits(logits[ids[rank]]);
        int ascending = bits < 0 ? ~bits : bits | Integer.MIN_VALUE;
        return ((long) ~ascending & 0xFFFFFFFFL) << 31 | ids[rank];
    }

    private void takeSortedKeys(int count) {
        for (int i = 0; i < count; i++) {
            ids[i] = (int) (sortKeys[i] & Integer.MAX_VALUE);
        }
        size = count;
        sorted = true;
    }

    private void siftUp(int slot, long key) {
        while (slot > 0) {
            int parent = (slot - 1) >>> 1;
            if (sortKeys[parent] >= key) {
                break;
            }
            sortKeys[slot] = sortKeys[parent];
            slot = parent;
        }
        sortKeys[slot] = key;
    }

    /** Replaces the heap's largest key by {@code key}. */
    private void siftDown(int heapSize, long key) {
        int slot = 0;
        while (true) {
            int child = 2 * slot + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && sortKeys[child + 1] > sortKeys[child]) {
                child++;
            }
            if (sortKeys[child] <= key) {
                break;
            }
            sortKeys[slot] = sortKeys[child];
            slot = child;
        }
        sortKeys[slot] = key;
    }

    /** Probabilities of the candidates {@code [0, size)} (softmax over them), into {@code out}. */
    void probabilities(double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logit(i));
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            out[i] = Math.exp(logit(i) - max);
            sum += out[i];
        }
        for (int i = 0; i < size; i++) {
            out[i] /= sum;
        }
    }
}
