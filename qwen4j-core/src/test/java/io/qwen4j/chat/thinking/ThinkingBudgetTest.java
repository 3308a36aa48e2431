package io.qwen4j.chat.thinking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.thinking.ThinkingBudget.Action;
import org.junit.jupiter.api.Test;

class ThinkingBudgetTest {
    private static final Action CONTINUE = new Action.Continue();
    private static final String EARLY_STOP = "\n\nConsidering the limited time by the user, I have to give the solution"
            + " based on the thinking directly now.\n</think>\n\n";

    @Test
    void injectsTheEarlyStopWhenTheBudgetIsSpent() {
        var budget = ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 3);
        assertEquals(CONTINUE, budget.start());
        assertEquals(CONTINUE, budget.onToken("<think>"));
        assertEquals(CONTINUE, budget.onToken("\nLet"));
        assertEquals(new Action.Inject(EARLY_STOP), budget.onToken(" me"));
        assertTrue(budget.forced());
        assertFalse(budget.closedNaturally());
        assertFalse(budget.reasoningOpen());
        assertEquals(CONTINUE, budget.onToken(EARLY_STOP)); // injected text fed back changes nothing
        assertEquals(CONTINUE, budget.onToken("Answer"));
        assertEquals(3, budget.reasoningTokens());
    }

    @Test
    void aNaturalCloseWithinTheBudgetIsTracked() {
        var budget = ThinkingBudget.of(ReasoningMode.IN_PROMPT, 4);
        budget.start();
        assertEquals(CONTINUE, budget.onToken("ok"));
        assertEquals(CONTINUE, budget.onToken("</th"));
        assertEquals(CONTINUE, budget.onToken("ink>")); // the tag split over two tokens is still seen
        assertTrue(budget.closedNaturally());
        assertEquals(CONTINUE, budget.onToken("more"));
        assertEquals(CONTINUE, budget.onToken("words"));
        assertFalse(budget.forced());
        assertEquals(3, budget.reasoningTokens());
    }

    @Test
    void aToolCallEndsTheThoughtSoNothingIsInjectedIntoIt() {
        var budget = ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 2);
        budget.start();
        assertEquals(CONTINUE, budget.onToken("<tool_call>"));
        assertEquals(CONTINUE, budget.onToken("{\"name\""));
        assertTrue(budget.closedNaturally());
    }

    @Test
    void budgetZeroTurnsThinkingOffBeforeTheFirstToken() {
        assertEquals(new Action.Inject("<think>\n\n</think>\n\n"), ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 0).start());
        assertEquals(new Action.Inject("</think>\n\n"), ThinkingBudget.of(ReasoningMode.IN_PROMPT, 0).start());
        var disabled = ThinkingBudget.of(ReasoningMode.DISABLED, 0);
        assertEquals(CONTINUE, disabled.start());
        assertEquals(CONTINUE, disabled.onToken("<think>"));
        assertEquals(0, disabled.reasoningTokens());
    }

    @Test
    void unlimitedNeverInjects() {
        var budget = ThinkingBudget.unlimited(ReasoningMode.IN_OUTPUT);
        assertEquals(CONTINUE, budget.start());
        for (int i = 0; i < 10_000; i++) {
            assertEquals(CONTINUE, budget.onToken("t"));
        }
        assertTrue(budget.reasoningOpen());
    }

    @Test
    void misuseIsRejected() {
        assertThrows(InvalidInputException.class, () -> ThinkingBudget.of(ReasoningMode.IN_OUTPUT, -1));
        assertThrows(IllegalStateException.class, () -> ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 5).onToken("x"));
    }
}
