package io.qwen4j.chat.thinking;

import io.qwen4j.engine.StepHook;
import io.qwen4j.tokenizer.Tokenizer;

/**
 * Runs a {@link ThinkingBudget} inside generation: before each token it reports the previous token's text
 * to the budget, and when the budget says to inject text, forces that text's tokens as the next output.
 * One hook per request (it keeps the budget's state).
 */
public final class ThinkingBudgetHook implements StepHook {

    private final ThinkingBudget budget;
    private final Tokenizer tokenizer;
    private int seen;
    private boolean started;

    public ThinkingBudgetHook(ThinkingBudget budget, Tokenizer tokenizer) {
        this.budget = budget;
        this.tokenizer = tokenizer;
    }

    public ThinkingBudget budget() {
        return budget;
    }

    @Override
    public Action beforeNextToken(GenerationState state) {
        ThinkingBudget.Action action = null;
        if (!started) {
            started = true;
            action = budget.start();
        }
        // Tokens forced by an earlier injection pass through here too; the budget ignores them once closed.
        while (seen < state.outputLength()) {
            // Tags are ASCII, so a token that is half a UTF-8 character cannot hide one.
            ThinkingBudget.Action next = budget.onToken(tokenizer.decode(new int[] {state.outputToken(seen++)}));
            if (next instanceof ThinkingBudget.Action.Inject) {
                action = next;
            }
        }
        if (action instanceof ThinkingBudget.Action.Inject inject) {
            int[] tokens = tokenizer.encode(inject.text(), true);
            return tokens.length == 0 ? CONTINUE : new Force(tokens);
        }
        return CONTINUE;
    }
}
