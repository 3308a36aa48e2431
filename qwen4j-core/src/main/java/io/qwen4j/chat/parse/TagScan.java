package io.qwen4j.chat.parse;

import java.util.List;

/**
 * Finding tags in streamed text. A chunk boundary may cut a tag in half, so a parser may only release
 * text up to the last position where a tag could still begin: {@link #safeEnd} says where that is.
 */
final class TagScan {
    private TagScan() {}

    /** A tag found at {@code index}. */
    record Hit(int index, String tag) {
        int end() {
            return index + tag.length();
        }
    }

    /** The earliest occurrence at or after {@code from} of any of {@code tags}, or null. */
    static Hit first(StringBuilder text, int from, List<String> tags) {
        Hit best = null;
        for (String tag : tags) {
            int i = text.indexOf(tag, from);
            if (i >= 0 && (best == null || i < best.index)) {
                best = new Hit(i, tag);
            }
        }
        return best;
    }

    /**
     * The length of the prefix of {@code text} (from {@code from}) that cannot be part of any tag: the
     * rest is a proper prefix of one of {@code tags} and must be held back until more text arrives.
     */
    static int safeEnd(CharSequence text, int from, List<String> tags) {
        int length = text.length();
        int longest = 0;
        for (String tag : tags) {
            int max = Math.min(tag.length() - 1, length - from);
            for (int k = max; k > longest; k--) {
                if (regionEquals(text, length - k, tag, k)) {
                    longest = k;
                    break;
                }
            }
        }
        return length - longest;
    }

    private static boolean regionEquals(CharSequence text, int start, String tag, int count) {
        for (int i = 0; i < count; i++) {
            if (text.charAt(start + i) != tag.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the next search of a growing buffer may start after a search from {@code from} found nothing:
     * only a tag that began in the last {@code longest - 1} characters can still be completed.
     */
    static int resumeFrom(CharSequence text, List<String> tags) {
        int longest = tags.stream().mapToInt(String::length).max().orElse(1);
        return Math.max(0, text.length() - (longest - 1));
    }
}
