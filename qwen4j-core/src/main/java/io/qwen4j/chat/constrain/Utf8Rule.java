package io.qwen4j.chat.constrain;

/**
 * Well-formed UTF-8 (RFC 3629): what a lead byte promises. Packed as
 * {@code continuations << 16 | low << 8 | high}, where [low, high] is the range of the byte right after
 * the lead (narrower than 80..BF after E0, ED, F0 and F4, which rules out overlongs, surrogates and code
 * points above U+10FFFF); -1 for a byte that cannot start a character. Later continuation bytes are 80..BF.
 */
final class Utf8Rule {
    private Utf8Rule() {}

    static int lead(int b) {
        if (b < 0x80) {
            return 0;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            return pack(1, 0x80, 0xBF);
        }
        return switch (b) {
            case 0xE0 -> pack(2, 0xA0, 0xBF);
            case 0xED -> pack(2, 0x80, 0x9F);
            case 0xF0 -> pack(3, 0x90, 0xBF);
            case 0xF4 -> pack(3, 0x80, 0x8F);
            default -> b >= 0xE1 && b <= 0xEF ? pack(2, 0x80, 0xBF) : b >= 0xF1 && b <= 0xF3 ? pack(3, 0x80, 0xBF) : -1;
        };
    }

    static int continuations(int rule) {
        return rule >>> 16;
    }

    static int low(int rule) {
        return rule >>> 8 & 0xFF;
    }

    static int high(int rule) {
        return rule & 0xFF;
    }

    private static int pack(int continuations, int low, int high) {
        return continuations << 16 | low << 8 | high;
    }
}
