package io.qwen4j.chat.parse;

/**
 * One streamed text field (reasoning or content) with its surrounding whitespace stripped, so the
 * streamed pieces concatenate to exactly the final field. Leading whitespace is dropped; trailing
 * whitespace is held until more text follows it, and dropped at the end.
 */
final class TrimmedText {
    private final StringBuilder whole = new StringBuilder();
    private final StringBuilder heldWhitespace = new StringBuilder();

    /** Takes raw text; returns the piece that may be emitted now (possibly empty). */
    String accept(String raw) {
        int start = 0;
        if (whole.isEmpty()) {
            while (start < raw.length() && Character.isWhitespace(raw.charAt(start))) {
                start++;
            }
        }
        int end = raw.length();
        while (end > start && Character.isWhitespace(raw.charAt(end - 1))) {
            end--;
        }
        if (end == start) {
            if (!whole.isEmpty()) {
                heldWhitespace.append(raw, start, raw.length());
            }
            return "";
        }
        String piece = heldWhitespace + raw.substring(start, end);
        heldWhitespace.setLength(0);
        heldWhitespace.append(raw, end, raw.length());
        whole.append(piece);
        return piece;
    }

    /** The field so far, or null when nothing but whitespace arrived. */
    String value() {
        return whole.isEmpty() ? null : whole.toString();
    }
}
