package io.qwen4j.chat.constrain;

/**
 * The inside of a JSON string, after its opening quote: any characters but unescaped control characters,
 * as well-formed UTF-8, escapes as JSON defines them (no {@code \}{@code u} escapes of UTF-16 surrogates:
 * characters outside the BMP are written as UTF-8), at most {@code maxStringBytes} bytes, and none of the
 * context's guarded tags. The closing quote hands over to {@code next}.
 */
record JsonString(int length, int phase, int utf8Left, int utf8Low, int utf8High, long guarded,
                  MatchState next, JsonContext context) implements MatchState {

    private static final int PLAIN = 0;
    private static final int ESCAPE = 1;
    /** Expecting the first of the four hex digits of a {@code \}{@code u} escape; +1 per digit read. */
    private static final int HEX_FIRST = 2;
    /** Expecting the second hex digit after a first digit 'd' (a surrogate if this one is 8-f). */
    private static final int HEX_SECOND_AFTER_D = 6;

    static MatchState afterOpeningQuote(MatchState next, JsonContext context) {
        return new JsonString(0, PLAIN, 0, 0x80, 0xBF, 0, next, context);
    }

    @Override
    public MatchState step(int b) {
        long guard = context.guard().advance(guarded, b);
        if (guard < 0) {
            return null;
        }
        if (utf8Left > 0) {
            return b >= utf8Low && b <= utf8High ? with(PLAIN, utf8Left - 1, 0x80, 0xBF, guard) : null;
        }
        switch (phase) {
            case ESCAPE -> {
                return switch (b) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> with(PLAIN, 0, 0x80, 0xBF, guard);
                    case 'u' -> with(HEX_FIRST, 0, 0x80, 0xBF, guard);
                    default -> null;
                };
            }
            case HEX_FIRST, HEX_FIRST + 1, HEX_FIRST + 2, HEX_FIRST + 3, HEX_SECOND_AFTER_D -> {
                int digit = Character.digit(b, 16);
                if (digit < 0 || phase == HEX_SECOND_AFTER_D && digit >= 8) {
                    return null;
                }
                int after = phase == HEX_SECOND_AFTER_D ? HEX_FIRST + 2
                        : phase == HEX_FIRST && digit == 0xD ? HEX_SECOND_AFTER_D
                        : phase == HEX_FIRST + 3 ? PLAIN : phase + 1;
                return with(after, 0, 0x80, 0xBF, guard);
            }
            default -> {
                return plain(b, guard);
            }
        }
    }

    private MatchState plain(int b, long guard) {
        if (b == '"') {
            return next;
        }
        if (length >= context.limits().maxStringBytes() || b < 0x20) {
            return null;
        }
        if (b == '\\') {
            return with(ESCAPE, 0, 0x80, 0xBF, guard);
        }
        int rule = Utf8Rule.lead(b);
        return rule < 0 ? null : with(PLAIN, Utf8Rule.continuations(rule), Utf8Rule.low(rule), Utf8Rule.high(rule), guard);
    }

    private JsonString with(int nextPhase, int left, int low, int high, long guard) {
        return new JsonString(length + 1, nextPhase, left, low, high, guard, next, context);
    }

    @Override
    public boolean isFreeText() {
        return true;
    }

    @Override
    public boolean canEnd() {
        return false;
    }
}
