package io.qwen4j.tokenizer;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE of one pre-tokenized piece, with HF {@code tokenizers} semantics: start from one token per
 * UTF-8 byte, then repeatedly apply the lowest-ranked merge present, leftmost first, until none applies.
 *
 * <p>A min-heap of (rank, position) keeps long pieces (a megabyte of one letter is one piece) at
 * O(n log n). Results for short pieces are cached, since text repeats words; the cache is bounded by
 * clearing it when full, which is cheap and keeps memory flat on adversarial input. Thread-safe.
 */
final class BytePairEncoder {
    private static final int CACHE_MAX_ENTRIES = 65_536;
    private static final int CACHE_MAX_PIECE_CHARS = 64;

    private final MergeTable merges;
    private final int[] byteTokenIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /** @param byteTokenIds the token id of each single byte (index = unsigned byte) */
    BytePairEncoder(MergeTable merges, int[] byteTokenIds) {
        this.merges = merges;
        this.byteTokenIds = byteTokenIds.clone();
    }

    /** Appends the token ids of {@code text[start, end)} to {@code out}. */
    void encode(String text, int start, int end, IntList out) {
        int length = end - start;
        if (length <= CACHE_MAX_PIECE_CHARS) {
            String piece = text.substring(start, end);
            int[] ids = cache.get(piece);
            if (ids == null) {
                ids = merge(initialIds(text, start, end));
                if (cache.size() >= CACHE_MAX_ENTRIES) {
                    cache.clear();
                }
                cache.put(piece, ids);
            }
            out.addAll(ids);
        } else {
            out.addAll(merge(initialIds(text, start, end)));
        }
    }

    /** One token per UTF-8 byte of the piece. */
    private int[] initialIds(String text, int start, int end) {
        int[] ids = new int[utf8Length(text, start, end)];
        int n = 0;
        for (int i = start; i < end; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                ids[n++] = byteTokenIds[cp];
            } else if (cp < 0x800) {
                ids[n++] = byteTokenIds[0xC0 | (cp >> 6)];
                ids[n++] = byteTokenIds[0x80 | (cp & 0x3F)];
            } else if (cp < 0x10000) {
                ids[n++] = byteTokenIds[0xE0 | (cp >> 12)];
                ids[n++] = byteTokenIds[0x80 | ((cp >> 6) & 0x3F)];
                ids[n++] = byteTokenIds[0x80 | (cp & 0x3F)];
            } else {
                ids[n++] = byteTokenIds[0xF0 | (cp >> 18)];
                ids[n++] = byteTokenIds[0x80 | ((cp >> 12) & 0x3F)];
                ids[n++] = byteTokenIds[0x80 | ((cp >> 6) & 0x3F)];
                ids[n++] = byteTokenIds[0x80 | (cp & 0x3F)];
            }
        }
        return ids;
    }

    private static int utf8Length(String text, int start, int end) {
        int length = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }

    /** Applies merges to the symbols in place (a linked list over the array) and returns the survivors. */
    int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2) {
            return symbols;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // Heap entries are rank << 32 | position: the smallest is the best merge, leftmost on ties.
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int rank = merges.rank(symbols[i], symbols[i + 1]);
            if (rank != MergeTable.NONE) {
                heap.push(((long) rank << 32) | i);
            }
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            // Skip entries made stale by earlier merges: the left symbol was absorbed, or its pair changed.
            if (symbols[left] < 0 || right < 0 || merges.rank(symbols[left], symbols[right]) != rank) {
                continue;
            }
            symbols[left] = merges.mergedId(rank);
            symbols[right] = -1;
            alive--;
            int after = next[right];
            next[left] = after;
            if (after >= 0) {
                prev[after] = left;
                int r = merges.rank(symbols[left], symbols[after]);
                if (r != MergeTable.NONE) {
                    heap.push(((long) r << 32) | left);
                }
            }
            int before = prev[left];
            if (before >= 0) {
                int r = merges.rank(symbols[before], symbols[left]);
                if (r != MergeTable.NONE) {
                    heap.push(((long) r << 32) | before);
                }
            }
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = symbols[i];
        }
        return out;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long value) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= value) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = value;
        }

        long pop() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (last <= items[child]) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            if (size > 0) {
                items[i] = last;
            }
            return top;
        }
    }
}
