package io.qwen4j.tokenizer;

/**
 * Lossy UTF-8 decoding with the "maximal subpart" rule (Unicode ch. 3, used by Rust's
 * {@code from_utf8_lossy} and Python's {@code errors="replace"}): each maximal prefix of a well-formed
 * sequence that cannot be completed becomes one U+FFFD. The JDK decoder's replacement counts are not
 * specified to follow this rule, so HF-identical output needs our own.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /**
     * Decodes {@code bytes[from, to)} into {@code out}. With {@code flush} false, a trailing sequence that is
     * valid so far but incomplete is left undecoded; returns the index of the first byte not consumed.
     */
    static int decode(byte[] bytes, int from, int to, StringBuilder out, boolean flush) {
        int i = from;
        while (i < to) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            int got = 0;
            while (got < need && j < to) {
                int b = bytes[j] & 0xFF;
                if (b < lo || b > hi) {
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
                lo = 0x80;
                hi = 0xBF;
                j++;
                got++;
            }
            if (got == need) {
                out.appendCodePoint(cp);
            } else if (j == to && !flush) {
                return i;
            } else {
                out.append(REPLACEMENT);
            }
            i = j;
        }
        return to;
    }
}
