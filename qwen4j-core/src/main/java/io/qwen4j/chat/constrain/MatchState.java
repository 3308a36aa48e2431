package io.qwen4j.chat.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One state of a byte-level matcher for a constrained output language. States are immutable: trying a
 * token is stepping a state over its bytes and dropping the result, with nothing to copy or undo.
 *
 * <p>Grammars are built in continuation style: every state knows what comes after it ({@code next}), so
 * a nested JSON value hands over to its enclosing object when it completes. Ambiguity (an enum "a" vs
 * "ab", a newline that is either text or the start of a closing tag) is carried by {@link Alternatives}.
 * Extend by adding a state class; compose with the factories here.
 */
interface MatchState {

    /** The state after byte {@code b} (0..255), or null when {@code b} cannot come next. */
    MatchState step(int b);

    /** Whether the output may end here (an end-of-turn token is allowed). */
    boolean canEnd();

    /**
     * Whether this state (or one of its readings) is inside free text of a value: a JSON string, a raw
     * parameter value. Added tokens ({@code <think>}, {@code <tool_call>}, ...) are not taken there, only
     * where the grammar spells them out.
     */
    default boolean isFreeText() {
        return false;
    }

    /** Steps over {@code bytes}; null as soon as one is refused. */
    static MatchState walk(MatchState state, byte[] bytes) {
        for (int i = 0; i < bytes.length && state != null; i++) {
            state = state.step(bytes[i] & 0xFF);
        }
        return state;
    }

    /** The end of the language: nothing more may follow, and the output may end. */
    MatchState END = new MatchState() {
        @Override
        public MatchState step(int b) {
            return null;
        }

        @Override
        public boolean canEnd() {
            return true;
        }

        @Override
        public String toString() {
            return "END";
        }
    };

    /** Exactly these bytes, then {@code next}. */
    record Literal(byte[] text, int position, MatchState next) implements MatchState {
        static MatchState of(String text, MatchState next) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return bytes.length == 0 ? next : new Literal(bytes, 0, next);
        }

        @Override
        public MatchState step(int b) {
            if ((text[position] & 0xFF) != b) {
                return null;
            }
            return position + 1 == text.length ? next : new Literal(text, position + 1, next);
        }

        @Override
        public boolean canEnd() {
            return false; // a literal is never empty: it always needs its next byte
        }
    }

    /** Up to {@code remaining} whitespace bytes (space or newline), then {@code next}. */
    record Whitespace(int remaining, MatchState next) implements MatchState {
        static MatchState upTo(int count, MatchState next) {
            return count <= 0 ? next : new Whitespace(count, next);
        }

        @Override
        public MatchState step(int b) {
            MatchState skipped = next.step(b);
            if (b != ' ' && b != '\n') {
                return skipped;
            }
            return Alternatives.of(upTo(remaining - 1, next), skipped);
        }

        @Override
        public boolean canEnd() {
            return next.canEnd();
        }
    }

    /** Several live readings of the same bytes; dies when all of them do. */
    record Alternatives(List<MatchState> branches) implements MatchState {
        static MatchState of(MatchState a, MatchState b) {
            if (a == null) {
                return b;
            }
            return b == null ? a : of(List.of(a, b));
        }

        /** The non-null states of {@code states}, flattened; null if none, the state itself if one. */
        static MatchState of(List<MatchState> states) {
            List<MatchState> live = new ArrayList<>(states.size());
            for (MatchState state : states) {
                if (state instanceof Alternatives nested) {
                    live.addAll(nested.branches);
                } else if (state != null) {
                    live.add(state);
                }
            }
            return switch (live.size()) {
                case 0 -> null;
                case 1 -> live.getFirst();
                default -> new Alternatives(List.copyOf(live));
            };
        }

        @Override
        public MatchState step(int b) {
            List<MatchState> stepped = new ArrayList<>(branches.size());
            for (MatchState branch : branches) {
                stepped.add(branch.step(b));
            }
            return of(stepped);
        }

        @Override
        public boolean isFreeText() {
            for (MatchState branch : branches) {
                if (branch.isFreeText()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean canEnd() {
            for (MatchState branch : branches) {
                if (branch.canEnd()) {
                    return true;
                }
            }
            return false;
        }
    }
}
