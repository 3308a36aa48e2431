package io.qwen4j.chat.constrain;

/**
 * A JSON number ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}), or an integer (no fraction, no
 * exponent); at most {@code maxNumberDigits} digits before and after the point and two in the exponent, so
 * every value fits a double. A byte that cannot extend a complete number is handed to {@code next}.
 */
record JsonNumber(Part part, int digits, boolean integer, MatchState next, JsonContext context) implements MatchState {

    enum Part { START, MINUS, ZERO, INTEGER, POINT, FRACTION, EXPONENT, EXPONENT_SIGN, EXPONENT_DIGITS }

    private static final int MAX_EXPONENT_DIGITS = 2;

    static MatchState start(boolean integer, MatchState next, JsonContext context) {
        return new JsonNumber(Part.START, 0, integer, next, context);
    }

    @Override
    public MatchState step(int b) {
        boolean digit = b >= '0' && b <= '9';
        int maxDigits = context.limits().maxNumberDigits();
        return switch (part) {
            case START -> b == '-' ? to(Part.MINUS, 0) : firstDigit(b);
            case MINUS -> firstDigit(b);
            case ZERO -> afterInteger(b);
            case INTEGER -> digit && digits < maxDigits ? to(Part.INTEGER, digits + 1) : afterInteger(b);
            case POINT -> digit ? to(Part.FRACTION, 1) : null;
            case FRACTION -> digit && digits < maxDigits ? to(Part.FRACTION, digits + 1)
                    : b == 'e' || b == 'E' ? to(Part.EXPONENT, 0) : next.step(b);
            case EXPONENT -> b == '+' || b == '-' ? to(Part.EXPONENT_SIGN, 0) : digit ? to(Part.EXPONENT_DIGITS, 1) : null;
            case EXPONENT_SIGN -> digit ? to(Part.EXPONENT_DIGITS, 1) : null;
            case EXPONENT_DIGITS -> digit && digits < MAX_EXPONENT_DIGITS ? to(Part.EXPONENT_DIGITS, digits + 1) : next.step(b);
        };
    }

    private MatchState firstDigit(int b) {
        if (b == '0') {
            return to(Part.ZERO, 1);
        }
        return b >= '1' && b <= '9' ? to(Part.INTEGER, 1) : null;
    }

    private MatchState afterInteger(int b) {
        if (!integer && b == '.') {
            return to(Part.POINT, 0);
        }
        if (!integer && (b == 'e' || b == 'E')) {
            return to(Part.EXPONENT, 0);
        }
        return next.step(b);
    }

    private JsonNumber to(Part nextPart, int count) {
        return new JsonNumber(nextPart, count, integer, next, context);
    }

    @Override
    public boolean canEnd() {
        boolean complete = part == Part.ZERO || part == Part.INTEGER || part == Part.FRACTION || part == Part.EXPONENT_DIGITS;
        return complete && next.canEnd();
    }
}
