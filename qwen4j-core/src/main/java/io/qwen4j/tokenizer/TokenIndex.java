package io.qwen4j.tokenizer;

import java.util.BitSet;
import java.util.List;

/**
 * Token string → id, an open-addressing table over the vocabulary's own strings that can look up a range
 * of a string, or two ranges joined, without building the key.
 *
 * <p>Why not a {@code HashMap<String, Integer>}: building the merge table looks up three tokens per merge
 * (left, right, and left + right) for 151k merges, and with a map each lookup first allocates a substring
 * and hashes it; that was about half of a cold start's tokenizer construction (0.3-0.5 s before the JIT
 * has warmed up).
 */
final class TokenIndex {

    static final int NONE = -1;

    private final List<String> tokens;
    private final int[] slots; // token id + 1; 0 = empty
    private final int mask;
    private final int shift;
    /** Ids whose string an earlier id already has: {@link #find} never returns them. */
    private final BitSet shadowed = new BitSet();

    /** The first id of each distinct token string wins, as with {@code Map.putIfAbsent}. */
    TokenIndex(List<String> tokens) {
        this.tokens = tokens;
        int capacity = Integer.highestOneBit(Math.max(4, tokens.size() * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        shift = Integer.numberOfLeadingZeros(mask);
        for (int id = 0; id < tokens.size(); id++) {
            String token = tokens.get(id);
            int slot = slot(token.hashCode());
            while (true) {
                int existing = slots[slot] - 1;
                if (existing < 0) {
                    slots[slot] = id + 1;
                    break;
                }
                if (tokens.get(existing).equals(token)) {
                    shadowed.set(id); // a duplicate keeps its first id
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
    }

    /**
     * The home slot: the top bits of the hash times a large odd constant (Fibonacci hashing). The low bits
     * of String hashes of short tokens cluster, and linear probing over clusters was slower than a HashMap.
     */
    private int slot(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }

    /** Whether {@link #find} on this id's string returns this id (no earlier id has the same string). */
    boolean isFirst(int id) {
        return !shadowed.get(id);
    }

    /** The id of {@code token}, or {@link #NONE}. */
    int find(String token) {
        return find(token, 0, token.length(), token, 0, 0);
    }

    /** The id of {@code s[from, to)}, or {@link #NONE}. */
    int find(String s, int from, int to) {
        return find(s, from, to, s, 0, 0);
    }

    /** The id of {@code a[aFrom, aTo) + b[bFrom, bTo)}, or {@link #NONE}. */
    int find(String a, int aFrom, int aTo, String b, int bFrom, int bTo) {
        // String.hashCode's polynomial, continued across the two ranges.
        int hash = 0;
        for (int i = aFrom; i < aTo; i++) {
            hash = 31 * hash + a.charAt(i);
        }
        for (int i = bFrom; i < bTo; i++) {
            hash = 31 * hash + b.charAt(i);
        }
        int aLength = aTo - aFrom;
        int length = aLength + bTo - bFrom;
        for (int slot = slot(hash); ; slot = (slot + 1) & mask) {
            int id = slots[slot] - 1;
            if (id < 0) {
                return NONE;
            }
            if (matches(tokens.get(id), a, aFrom, aLength, b, bFrom, length - aLength)) {
                return id;
            }
        }
    }

    /**
     * {@link #find(String, int, int, String, int, int)}, trying id {@code hint} first: when the caller knows
     * where the token usually is, two region compares instead of hashing the key (which a cold start runs
     * before the JIT has compiled the hash loop). A hint that holds another string, or a later duplicate of
     * the key, falls back to the lookup, so the result is the same.
     */
    int find(String a, int aFrom, int aTo, String b, int bFrom, int bTo, int hint) {
        if (hint >= 0 && hint < tokens.size() && isFirst(hint)
                && matches(tokens.get(hint), a, aFrom, aTo - aFrom, b, bFrom, bTo - bFrom)) {
            return hint;
        }
        return find(a, aFrom, aTo, b, bFrom, bTo);
    }

    /** Whether {@code token} is {@code a[aFrom, aFrom + aLength) + b[bFrom, bFrom + bLength)}. */
    private static boolean matches(String token, String a, int aFrom, int aLength, String b, int bFrom, int bLength) {
        return token.length() == aLength + bLength && token.regionMatches(0, a, aFrom, aLength)
                && token.regionMatches(aLength, b, bFrom, bLength);
    }
}
