package io.qwen4j.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds added tokens (control and user-defined) in raw text, before normalization and pre-tokenization,
 * as HF's added vocabulary does: scanning left to right, at the first position where some token starts the
 * longest one wins, and scanning resumes after it. A character trie keeps each probe proportional to the
 * longest token.
 */
final class AddedTokenMatcher {
    private static final class Node {
        final Map<Character, Node> children = new HashMap<>();
        int id = -1;
        boolean control;
    }

    private final Node root = new Node();
    private final boolean[] startsToken = new boolean[0x10000];

    void add(String content, int id, boolean control) {
        if (content.isEmpty()) {
            return;
        }
        Node node = root;
        for (int i = 0; i < content.length(); i++) {
            node = node.children.computeIfAbsent(content.charAt(i), c -> new Node());
        }
        if (node.id < 0) {
            node.id = id;
            node.control = control;
        }
        startsToken[content.charAt(0)] = true;
    }

    /**
     * The longest added token starting at {@code start}, as {@code id << 32 | length}, or -1. With
     * {@code includeControl} false, control tokens are not matched (they stay plain text).
     */
    long longestAt(String text, int start, boolean includeControl) {
        if (!startsToken[text.charAt(start)]) {
            return -1;
        }
        Node node = root;
        long best = -1;
        for (int i = start; i < text.length(); i++) {
            node = node.children.get(text.charAt(i));
            if (node == null) {
                break;
            }
            if (node.id >= 0 && (includeControl || !node.control)) {
                best = ((long) node.id << 32) | (i + 1 - start);
            }
        }
        return best;
    }
}
