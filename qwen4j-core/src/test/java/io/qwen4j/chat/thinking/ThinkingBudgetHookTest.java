package io.qwen4j.chat.thinking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.engine.StepHook;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The budget as a generation hook, driven by a fake generation state with the real Qwen3 tokenizer. */
class ThinkingBudgetHookTest {

    static Tokenizer tokenizer;

    @BeforeAll
    static void loadTokenizer() {
        tokenizer = Tokenizer.fromHuggingFace(shared().resolve("qwen/qwen3"));
    }

    static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolveSibling("shared").resolve("qwen/qwen3"))) {
                return dir.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("no ../shared above " + Path.of("").toAbsolutePath());
    }

    /** Output tokens appended by the test, as the generation loop would. */
    static final class FakeState implements StepHook.GenerationState {
        final List<Integer> output = new ArrayList<>();

        void append(int... tokens) {
            for (int t : tokens) {
                output.add(t);
            }
        }

        void appendText(String text) {
            append(tokenizer.encode(text, true));
        }

        @Override
        public int promptLength() {
            return 10;
        }

        @Override
        public int outputLength() {
            return output.size();
        }

        @Override
        public int outputToken(int index) {
            return output.get(index);
        }
    }

    private static int id(String token) {
        return tokenizer.id(token).orElseThrow();
    }

    @Test
    void forcesTheEarlyStopTokensOnceTheBudgetIsSpent() {
        var hook = new ThinkingBudgetHook(ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 3), tokenizer);
        var state = new FakeState();
        assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
        state.append(id("<think>"));
        assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
        state.appendText("Hello");
        assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
        state.appendText(" world");
        var force = assertInstanceOf(StepHook.Force.class, hook.beforeNextToken(state));
        // The forced ids are exactly the early-stop text, which closes the thought with one </think> token.
        assertEquals(ThinkingBudget.EARLY_STOP, tokenizer.decode(force.tokens()));
        assertArrayEquals(tokenizer.encode(ThinkingBudget.EARLY_STOP, true), force.tokens());
        long closeTags = java.util.Arrays.stream(force.tokens()).filter(t -> t == id("</think>")).count();
        assertEquals(1, closeTags);
        // The loop appends the forced tokens; the hook then lets the model answer.
        state.append(force.tokens());
        assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
        state.appendText("The answer");
        assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
    }

    @Test
    void budgetZeroClosesAnEmptyThoughtBeforeTheFirstToken() {
        var hook = new ThinkingBudgetHook(ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 0), tokenizer);
        var force = assertInstanceOf(StepHook.Force.class, hook.beforeNextToken(new FakeState()));
        assertEquals("<think>\n\n</think>\n\n", tokenizer.decode(force.tokens()));

        var inPrompt = new ThinkingBudgetHook(ThinkingBudget.of(ReasoningMode.IN_PROMPT, 0), tokenizer);
        var closeOnly = assertInstanceOf(StepHook.Force.class, inPrompt.beforeNextToken(new FakeState()));
        assertEquals("</think>\n\n", tokenizer.decode(closeOnly.tokens()));
    }

    @Test
    void aThoughtClosedByTheModelIsNeverCutLater() {
        var hook = new ThinkingBudgetHook(ThinkingBudget.of(ReasoningMode.IN_OUTPUT, 4), tokenizer);
        var state = new FakeState();
        hook.beforeNextToken(state);
        state.append(id("<think>"), id("</think>"));
        assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
        for (int i = 0; i < 10; i++) {
            state.appendText(" word");
            assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
        }
        assertEquals(2, hook.budget().reasoningTokens());
    }

    @Test
    void disabledThinkingIsNeverForced() {
        var hook = new ThinkingBudgetHook(ThinkingBudget.of(ReasoningMode.DISABLED, 1), tokenizer);
        var state = new FakeState();
        for (int i = 0; i < 5; i++) {
            assertEquals(StepHook.CONTINUE, hook.beforeNextToken(state));
            state.appendText(" word");
        }
    }

    @Test
    void tokensReportedInABatchStillTriggerTheBudget() {
        // Several tokens may arrive between two consultations (e.g. after a forced run): all are counted.
        var hook = new ThinkingBudgetHook(ThinkingBudget.of(ReasoningMode.IN_PROMPT, 2), tokenizer);
        var state = new FakeState();
        hook.beforeNextToken(state);
        state.appendText(" one two three");
        assertInstanceOf(StepHook.Force.class, hook.beforeNextToken(state));
    }
}
