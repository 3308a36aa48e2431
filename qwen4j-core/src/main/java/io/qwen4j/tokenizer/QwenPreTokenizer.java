package io.qwen4j.tokenizer;

import static io.qwen4j.tokenizer.CharClasses.LETTER;
import static io.qwen4j.tokenizer.CharClasses.NUMBER;
import static io.qwen4j.tokenizer.CharClasses.OTHER;
import static io.qwen4j.tokenizer.CharClasses.SPACE;

/**
 * Splits text into the pieces that Qwen2/Qwen3's pre-tokenizer regex finds, as Oniguruma matches it:
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 * A hand-written scanner instead of {@code java.util.regex}: each alternative's backtracking is worked out
 * below once, so every piece is found in time linear in its length (a 1 MB run of one character must not
 * backtrack), and the character classes are Unicode 14's ({@link CharClasses}).
 *
 * <p>Every code point matches some alternative, so the pieces cover the text with no gaps.
 */
final class QwenPreTokenizer {
    /** The pattern as it appears in Qwen's tokenizer.json; other patterns are not supported. */
    static final String PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Receives each piece as a char range {@code [start, end)} of the text. */
    @FunctionalInterface
    interface PieceSink {
        void piece(int start, int end);
    }

    private QwenPreTokenizer() {
    }

    static void split(String text, PieceSink sink) {
        int end = text.length();
        for (int p = 0; p < end; ) {
            int next = pieceEnd(text, p, end);
            sink.piece(p, next);
            p = next;
        }
    }

    /** The end of the piece the regex matches at {@code p} (alternatives tried in order). */
    static int pieceEnd(String s, int p, int end) {
        int c = s.codePointAt(p);
        byte cls = CharClasses.of(c);
        int afterC = p + Character.charCount(c);
        byte nextCls = afterC < end ? CharClasses.of(s.codePointAt(afterC)) : -1;

        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'') {
            int length = contractionLength(s, afterC, end);
            if (length > 0) {
                return afterC + length;
            }
        }
        // 2. [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, possibly led by one non-letter, non-digit, non-newline
        if (cls == LETTER) {
            return runEnd(s, afterC, end, LETTER);
        }
        if (c != '\r' && c != '\n' && cls != NUMBER && nextCls == LETTER) {
            return runEnd(s, afterC, end, LETTER);
        }
        // 3. \p{N} : one digit at a time
        if (cls == NUMBER) {
            return afterC;
        }
        // 4. ?[^\s\p{L}\p{N}]+[\r\n]* : punctuation run, possibly led by one space, then newlines
        if (c == ' ' && nextCls == OTHER) {
            return newlineRunEnd(s, runEnd(s, afterC, end, OTHER), end);
        }
        if (cls == OTHER) {
            return newlineRunEnd(s, runEnd(s, afterC, end, OTHER), end);
        }
        // Only whitespace is left. White_Space is all in the BMP, so chars are code points here.
        assert cls == SPACE;
        int spaceEnd = runEnd(s, afterC, end, SPACE);
        // 5. \s*[\r\n]+ : \s* backs off until a newline follows, so the piece ends after the run's last newline
        for (int i = spaceEnd - 1; i >= p; i--) {
            char ch = s.charAt(i);
            if (ch == '\r' || ch == '\n') {
                return i + 1;
            }
        }
        // 6. \s+(?!\S) : the whole run at the end of text, else the run minus its last space (which will
        //    lead the next word), if that leaves at least one
        if (spaceEnd == end) {
            return end;
        }
        if (spaceEnd - p >= 2) {
            return spaceEnd - 1;
        }
        // 7. \s+
        return spaceEnd;
    }

    private static int runEnd(String s, int i, int end, byte cls) {
        while (i < end) {
            int c = s.codePointAt(i);
            if (CharClasses.of(c) != cls) {
                break;
            }
            i += Character.charCount(c);
        }
        return i;
    }

    private static int newlineRunEnd(String s, int i, int end) {
        while (i < end && (s.charAt(i) == '\r' || s.charAt(i) == '\n')) {
            i++;
        }
        return i;
    }

    /**
     * Length after the apostrophe of a contraction matched case-insensitively, or 0. Oniguruma compares
     * case folds: besides ASCII upper case, U+017F LATIN SMALL LETTER LONG S folds to "s" and so matches
     * {@code 's}; no other character folds to one of these ASCII letters (U+212A KELVIN SIGN folds to "k",
     * which the pattern does not use).
     */
    private static int contractionLength(String s, int i, int end) {
        if (i >= end) {
            return 0;
        }
        char a = s.charAt(i);
        char b = i + 1 < end ? s.charAt(i + 1) : 0;
        switch (a) {
            case 's', 'S', '\u017F', 't', 'T', 'm', 'M', 'd', 'D' -> {
                return 1;
            }
            case 'r', 'R', 'v', 'V' -> {
                return b == 'e' || b == 'E' ? 2 : 0;
            }
            case 'l', 'L' -> {
                return b == 'l' || b == 'L' ? 2 : 0;
            }
            default -> {
                return 0;
            }
        }
    }
}
