package io.qwen4j.chat.constrain;

import io.qwen4j.engine.TokenConstraint;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A {@link TokenConstraint} over a byte-level {@link MatchState}: a token is allowed when the state can
 * step over all its bytes; an end-of-turn token when the state is complete. After many refusals at one
 * position (the sampler searching the vocabulary) it computes which first bytes can follow at all, so
 * most tokens are refused with one array lookup.
 */
final class GrammarConstraint implements TokenConstraint {
    /** Refusals at one position before the first-byte table pays for its 256 steps. */
    private static final int FIRST_BYTE_TABLE_AFTER = 16;

    private final TokenTable tokens;
    private final Set<Integer> endOfTurnIds;
    /** Null once an end-of-turn token was accepted: nothing may follow. */
    private MatchState state;
    private int askedHere;
    private boolean[] firstBytes;

    GrammarConstraint(TokenTable tokens, MatchState start, Set<Integer> endOfTurnIds) {
        this.tokens = tokens;
        this.state = start;
        this.endOfTurnIds = Set.copyOf(endOfTurnIds);
    }

    @Override
    public boolean allows(int token) {
        if (state == null) {
            return false;
        }
        if (endOfTurnIds.contains(token)) {
            return state.canEnd();
        }
        byte[] text = tokens.textOf(token);
        if (text == null) {
            return false;
        }
        if (firstBytes == null && ++askedHere > FIRST_BYTE_TABLE_AFTER) {
            firstBytes = new boolean[256];
            for (int b = 0; b < 256; b++) {
                firstBytes[b] = state.step(b) != null;
            }
        }
        if (firstBytes != null && !firstBytes[text[0] & 0xFF]) {
            return false;
        }
        return MatchState.walk(state, text) != null;
    }

    /** @throws IllegalStateException if the token is not allowed (a hook forced text the grammar refuses) */
    @Override
    public void accept(int token) {
        if (!allows(token)) {
            byte[] text = tokens.textOf(token);
            throw new IllegalStateException("token " + token + (text == null ? "" : " (" + new String(text, StandardCharsets.UTF_8) + ")")
                    + " is not allowed by the output constraint here");
        }
        state = endOfTurnIds.contains(token) ? null : MatchState.walk(state, tokens.textOf(token));
        askedHere = 0;
        firstBytes = null;
    }

    /** Whether the constrained text is complete (an end-of-turn token would be allowed). */
    boolean isComplete() {
        return state != null && state.canEnd();
    }
}
