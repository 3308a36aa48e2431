package io.qwen4j.chat.constrain;

import io.qwen4j.engine.TokenConstraint;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A {@link TokenConstraint} over a byte-level {@link MatchState}: a token is allowed when the state can
 * step over all its bytes; an end-of-turn token when the state is complete. After many questions at one
 * position (the sampler searching the vocabulary) it tabulates which first bytes, and which second bytes
 * after each of them, can follow at all, so most tokens are refused with two array lookups (a state that
 * admits a space would otherwise walk every one of the vocabulary's tens of thousands of " word" tokens).
 */
final class GrammarConstraint implements TokenConstraint {
    /** Questions at one position before the prefix table pays for its 256 steps per allowed first byte. */
    private static final int PREFIX_TABLE_AFTER = 16;

    private final TokenTable tokens;
    /** A plain array: the sampler may ask about most of the vocabulary, and boxing each id would show. */
    private final int[] endOfTurnIds;
    /** Null once an end-of-turn token was accepted: nothing may follow. */
    private MatchState state;
    private int askedHere;
    /** Per first byte: null if it cannot come next, else which second bytes can follow it. */
    private boolean[][] prefixes;

    GrammarConstraint(TokenTable tokens, MatchState start, Set<Integer> endOfTurnIds) {
        this.tokens = tokens;
        this.state = start;
        this.endOfTurnIds = endOfTurnIds.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public boolean allows(int token) {
        if (state == null) {
            return false;
        }
        if (isEndOfTurn(token)) {
            return state.canEnd();
        }
        byte[] text = tokens.textOf(token);
        if (text == null) {
            return false;
        }
        if (prefixes == null && ++askedHere > PREFIX_TABLE_AFTER) {
            prefixes = prefixTable(state);
        }
        if (prefixes != null) {
            boolean[] second = prefixes[text[0] & 0xFF];
            if (second == null || text.length > 1 && !second[text[1] & 0xFF]) {
                return false;
            }
        }
        return tokens.isAdded(token) ? walkOutsideFreeText(text) : MatchState.walk(state, text) != null;
    }

    /** An added token such as {@code </think>} is taken only where the grammar spells it, never as value text. */
    private boolean walkOutsideFreeText(byte[] text) {
        MatchState at = state;
        for (int i = 0; i < text.length && at != null; i++) {
            if (at.isFreeText()) {
                return false;
            }
            at = at.step(text[i] & 0xFF);
        }
        return at != null;
    }

    /** @throws IllegalStateException if the token is not allowed (a hook forced text the grammar refuses) */
    @Override
    public void accept(int token) {
        if (!allows(token)) {
            byte[] text = tokens.textOf(token);
            throw new IllegalStateException("token " + token + (text == null ? "" : " (" + new String(text, StandardCharsets.UTF_8) + ")")
                    + " is not allowed by the output constraint here");
        }
        state = isEndOfTurn(token) ? null : MatchState.walk(state, tokens.textOf(token));
        askedHere = 0;
        prefixes = null;
    }

    private static boolean[][] prefixTable(MatchState state) {
        boolean[][] table = new boolean[256][];
        for (int first = 0; first < 256; first++) {
            MatchState after = state.step(first);
            if (after != null) {
                table[first] = new boolean[256];
                for (int second = 0; second < 256; second++) {
                    table[first][second] = after.step(second) != null;
                }
            }
        }
        return table;
    }

    private boolean isEndOfTurn(int token) {
        for (int id : endOfTurnIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    /** Whether the constrained text is complete (an end-of-turn token would be allowed). */
    boolean isComplete() {
        return state != null && state.canEnd();
    }
}
