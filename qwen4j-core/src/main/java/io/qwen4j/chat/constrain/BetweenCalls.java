package io.qwen4j.chat.constrain;

/**
 * After a call has closed: the output may end, or, with parallel calls, continue with up to two
 * whitespace bytes and another call (the templates put one newline between calls).
 */
record BetweenCalls(CallGrammar grammar, boolean parallel) implements MatchState {
    @Override
    public MatchState step(int b) {
        return parallel ? MatchState.Whitespace.upTo(2, grammar.call(this)).step(b) : null;
    }

    @Override
    public boolean canEnd() {
        return true;
    }
}
