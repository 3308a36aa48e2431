package io.qwen4j.chat.constrain;

/** What every JSON state of one grammar shares: its limits and the tags its strings must not spell. */
record JsonContext(JsonLimits limits, TextGuard guard) {

    MatchState whitespace(MatchState next) {
        return MatchState.Whitespace.upTo(limits.maxWhitespace(), next);
    }
}
