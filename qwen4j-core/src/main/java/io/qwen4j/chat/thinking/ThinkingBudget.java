package io.qwen4j.chat.thinking;

import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.parse.ReasoningMode;

/**
 * The thinking-budget policy the generation loop consults once per generated token: it counts the
 * tokens of the open thought and, when they reach the budget, says to inject Qwen's early-stop text,
 * which closes the thought so the model answers from what it has thought so far.
 *
 * <p>Usage: call {@link #start()} before the first token and {@link #onToken(String)} after each
 * token; on {@link Action.Inject}, tokenize the text and feed it to the model as if generated (it is
 * part of the output, so the output parser sees the {@code </think>}). Injected text need not be passed
 * back to {@code onToken}; if it is, nothing changes.
 *
 * <p>The thought is open from the first token in {@link ReasoningMode#IN_OUTPUT} and
 * {@link ReasoningMode#IN_PROMPT} (as for the parser, everything before {@code </think>} is reasoning)
 * and never in {@link ReasoningMode#DISABLED}. It closes at {@code </think>}, or at {@code <tool_call>},
 * which ends the thought for the parser too (injecting text into a call would corrupt it).
 * Budget 0 means thinking off: {@link #start()} injects an empty or closing think block at once.
 */
public final class ThinkingBudget {
    /** Qwen's recommended text to end a thought early. */
    public static final String EARLY_STOP =
            "\n\nConsidering the limited time by the user, I have to give the solution based on the thinking directly now.\n</think>\n\n";
    private static final String CLOSE = "</think>";
    private static final String TOOL_CALL = "<tool_call>";
    private static final int TAIL = Math.max(CLOSE.length(), TOOL_CALL.length()) - 1;

    /** What the generation loop should do after a token. */
    public sealed interface Action {
        record Continue() implements Action {}

        /** Feed {@code text} to the model as generated output, then go on generating. */
        record Inject(String text) implements Action {}
    }

    private static final Action CONTINUE = new Action.Continue();

    private final ReasoningMode mode;
    private final int budgetTokens;
    private boolean open;
    private boolean started;
    private boolean closedNaturally;
    private boolean forced;
    private int reasoningTokens;
    /** The last few characters of the thought, so a tag split over tokens is still seen. */
    private String tail = "";

    private ThinkingBudget(ReasoningMode mode, int budgetTokens) {
        this.mode = mode;
        this.budgetTokens = budgetTokens;
        this.open = mode != ReasoningMode.DISABLED;
    }

    /** A budget of {@code budgetTokens} thought tokens (0 = thinking off). */
    public static ThinkingBudget of(ReasoningMode mode, int budgetTokens) {
        if (budgetTokens < 0) {
            throw new InvalidInputException("thinking budget must be >= 0 tokens, got " + budgetTokens);
        }
        return new ThinkingBudget(mode, budgetTokens);
    }

    /** No limit: only tracks whether and how the thought closed. */
    public static ThinkingBudget unlimited(ReasoningMode mode) {
        return new ThinkingBudget(mode, Integer.MAX_VALUE);
    }

    /** Call once before the first token. With budget 0 and a thought to come, injects its end at once. */
    public Action start() {
        if (started) {
            throw new IllegalStateException("start called twice");
        }
        started = true;
        if (!open || budgetTokens > 0) {
            return CONTINUE;
        }
        return forceClose(mode == ReasoningMode.IN_PROMPT ? "</think>\n\n" : "<think>\n\n</think>\n\n");
    }

    /** Call after each generated token with its text. */
    public Action onToken(String tokenText) {
        if (!started) {
            throw new IllegalStateException("call start() before the first token");
        }
        if (!open) {
            return CONTINUE;
        }
        reasoningTokens++;
        String recent = tail + tokenText;
        if (recent.contains(CLOSE) || recent.contains(TOOL_CALL)) {
            open = false;
            closedNaturally = true;
            return CONTINUE;
        }
        tail = recent.substring(Math.max(0, recent.length() - TAIL));
        return reasoningTokens >= budgetTokens ? forceClose(EARLY_STOP) : CONTINUE;
    }

    private Action forceClose(String text) {
        open = false;
        forced = true;
        return new Action.Inject(text);
    }

    /** True while the thought is open. */
    public boolean reasoningOpen() {
        return open;
    }

    /** True when the model itself closed the thought ({@code </think>} or {@code <tool_call>}). */
    public boolean closedNaturally() {
        return closedNaturally;
    }

    /** True when this policy ended the thought by injecting text. */
    public boolean forced() {
        return forced;
    }

    /** Tokens generated while the thought was open (the closing one included). */
    public int reasoningTokens() {
        return reasoningTokens;
    }
}
