package io.qwen4j.chat.constrain;

/**
 * A Qwen3-Coder parameter value written as raw text (string parameters): well-formed UTF-8 without
 * control characters other than tab, newline and carriage return, at most {@code maxStringBytes} bytes,
 * never spelling a tag that would end the value early. The value ends where {@code closer} (the
 * {@code \n</parameter>\n} that follows) matches; both readings stay alive until one dies.
 *
 * <p>The parser reads a value that is {@code null} after stripping, in any case, as JSON null; when the
 * schema does not admit null, such a text may not be closed. {@code nullMatched} counts the letters of
 * "null" written after leading whitespace (4 also with trailing whitespace), or is -1 once the text cannot
 * be that.
 */
record XmlText(int length, int utf8Left, int utf8Low, int utf8High, long guarded, int nullMatched,
               boolean nullAllowed, MatchState closer, JsonContext context) implements MatchState {

    static MatchState start(boolean nullAllowed, MatchState closer, JsonContext context) {
        return new XmlText(0, 0, 0x80, 0xBF, 0, 0, nullAllowed, closer, context);
    }

    @Override
    public MatchState step(int b) {
        MatchState closed = nullMatched == 4 && !nullAllowed ? null : closer.step(b);
        return MatchState.Alternatives.of(text(b), closed);
    }

    private MatchState text(int b) {
        long guard = context.guard().advance(guarded, b);
        if (guard < 0) {
            return null;
        }
        if (utf8Left > 0) {
            return b >= utf8Low && b <= utf8High ? with(utf8Left - 1, 0x80, 0xBF, guard, -1) : null;
        }
        if (length >= context.limits().maxStringBytes() || b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
            return null;
        }
        int rule = Utf8Rule.lead(b);
        return rule < 0 ? null : with(Utf8Rule.continuations(rule), Utf8Rule.low(rule), Utf8Rule.high(rule), guard, nullAfter(b));
    }

    private int nullAfter(int b) {
        boolean space = b == ' ' || b == '\t' || b == '\n' || b == '\r';
        if (nullMatched < 0 || space) {
            return nullMatched == 0 || nullMatched == 4 || !space ? nullMatched : -1;
        }
        return nullMatched < 4 && Character.toLowerCase(b) == "null".charAt(nullMatched) ? nullMatched + 1 : -1;
    }

    private XmlText with(int left, int low, int high, long guard, int nullProgress) {
        return new XmlText(length + 1, left, low, high, guard, nullProgress, nullAllowed, closer, context);
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
