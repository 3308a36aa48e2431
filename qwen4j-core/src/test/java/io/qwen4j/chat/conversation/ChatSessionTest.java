package io.qwen4j.chat.conversation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.thinking.ThinkingBudget;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat turns on a tiny synthetic Qwen3 model with the real Qwen3 tokenizer and template. Its weights are
 * random, so its text is gibberish, but greedy decoding makes every run the same, and the machinery
 * (template, thinking budget, parser, KV reuse) is what is checked.
 */
class ChatSessionTest {

    @TempDir
    static Path dir;
    static LoadedModel model;

    /** Greedy, so turns are reproducible. */
    static final ChatSettings GREEDY = ChatSettings.defaults().withContextLength(1024).withKvCacheType(KvCacheType.F32)
            .withMaxTokens(24).withSampling(new SamplingOverrides(OptionalDouble.of(0), OptionalDouble.empty(),
                    OptionalInt.empty(), OptionalLong.empty()));

    @BeforeAll
    static void writeModel() throws Exception {
        Path file = dir.resolve("tiny-chat.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 128, 0, 0, 0, 151_936, 4096, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, shared().resolve("qwen/qwen3"), 7), file);
        model = ModelLoader.load(file, LoadOptions.defaults().withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Path shared() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolveSibling("shared").resolve("qwen/qwen3"))) {
                return d.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("no ../shared above " + Path.of("").toAbsolutePath());
    }

    private static int[] tokens(List<GenerationStep> steps, int from, int to) {
        return steps.subList(from, to).stream().mapToInt(GenerationStep::token).toArray();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    @Test
    void aThinkingBudgetForcesQwensEarlyStopTextAfterNReasoningTokens() {
        int budget = 5;
        var session = new ChatSession(model, new Conversation(null, true), GREEDY.withMaxTokens(48).withThinkingBudget(budget));
        TurnResult turn = session.send("hello", d -> { });
        assertTrue(turn.prompt().endsWith("<|im_start|>assistant\n"), "thinking on: the model opens the thought");

        int[] earlyStop = model.tokenizer().encode(ThinkingBudget.EARLY_STOP, true);
        List<GenerationStep> steps = turn.steps();
        assertTrue(steps.size() > budget + earlyStop.length, "the answer goes on after the forced text");
        for (int i = 0; i < budget; i++) {
            assertFalse(steps.get(i).forced(), "step " + i + " is sampled");
        }
        assertArrayEquals(earlyStop, tokens(steps, budget, budget + earlyStop.length));
        for (int i = budget; i < budget + earlyStop.length; i++) {
            assertTrue(steps.get(i).forced(), "step " + i + " is forced");
        }
        assertFalse(steps.get(budget + earlyStop.length).forced(), "then the model answers");

        // The thought is the N sampled tokens plus the early-stop text up to </think>; the answer follows.
        String thought = model.tokenizer().decode(tokens(steps, 0, budget))
                + ThinkingBudget.EARLY_STOP.substring(0, ThinkingBudget.EARLY_STOP.indexOf("</think>"));
        thought = thought.replaceFirst("^<think>", "").strip();
        assertEquals(thought, turn.message().reasoningContent());
        String answer = model.tokenizer().decode(tokens(steps, budget + earlyStop.length, steps.size())).strip();
        assertEquals(answer, orEmpty(turn.message().content()));
        assertEquals("length", turn.stats().finishReason());
    }

    @Test
    void budgetZeroAndThinkingOffPutAnEmptyThoughtInThePrompt() {
        var zero = new ChatSession(model, new Conversation(null, true), GREEDY.withThinkingBudget(0));
        TurnResult a = zero.send("hello", d -> { });
        assertTrue(a.prompt().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), a.prompt());
        assertNull(a.message().reasoningContent());
        assertTrue(a.steps().stream().noneMatch(GenerationStep::forced));

        var off = new ChatSession(model, new Conversation(null, false), GREEDY);
        TurnResult b = off.send("hello", d -> { });
        assertEquals(a.prompt(), b.prompt());
        assertEquals(a.message(), b.message());
    }

    @Test
    void theSecondTurnsPromptHoldsTheFirstTurnAndReusesTheCache() {
        var settings = GREEDY.withMaxTokens(12);
        var session = new ChatSession(model, new Conversation("Be brief.", false), settings);
        TurnResult first = session.send("hello", d -> { });
        TurnResult second = session.send("and again /think", d -> { });

        String expectedStart = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertTrue(second.prompt().startsWith(expectedStart), second.prompt());
        assertTrue(second.prompt().contains(orEmpty(first.message().content()) + "<|im_end|>\n"
                + "<|im_start|>user\nand again /think<|im_end|>\n"), "soft switch kept in the message: " + second.prompt());
        assertEquals(0, first.stats().reusedTokens());
        int firstPromptLength = first.stats().promptTokens();
        assertTrue(second.stats().reusedTokens() >= firstPromptLength - 8,
                "the first prompt's tokens are reused, got " + second.stats().reusedTokens());

        // The same conversation answered from an empty cache gives the same tokens: reuse changed nothing.
        var history = new Conversation("Be brief.", false);
        history.addUser("hello");
        history.addAssistant(first.message());
        var fresh = new ChatSession(model, history, settings);
        TurnResult replay = fresh.send("and again /think", d -> { });
        assertEquals(second.prompt(), replay.prompt());
        assertArrayEquals(tokens(replay.steps(), 0, replay.steps().size()),
                tokens(second.steps(), 0, second.steps().size()));
        for (int i = 0; i < replay.steps().size(); i++) {
            assertEquals(replay.steps().get(i).logprob(), second.steps().get(i).logprob(), 1e-3, "step " + i);
        }
    }

    @Test
    void resetClearsTheHistoryButKeepsTheSystemPromptAndMode() {
        var session = new ChatSession(model, new Conversation("sys", false), GREEDY.withMaxTokens(4));
        session.send("remember me", d -> { });
        assertEquals(2, session.conversation().size());
        session.reset();
        assertEquals(0, session.conversation().size());
        TurnResult after = session.send("hi", d -> { });
        assertFalse(after.prompt().contains("remember me"), after.prompt());
        assertTrue(after.prompt().startsWith("<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nhi<|im_end|>"));
        assertTrue(after.prompt().endsWith("<think>\n\n</think>\n\n"), "still thinking off");
    }

    @Test
    void deltasConcatenateToTheFinalFields() {
        var session = new ChatSession(model, new Conversation(null, true), GREEDY.withMaxTokens(30).withThinkingBudget(6));
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        List<Delta> deltas = new ArrayList<>();
        TurnResult turn = session.send("hello", d -> {
            deltas.add(d);
            switch (d) {
                case Delta.Reasoning r -> reasoning.append(r.text());
                case Delta.Content c -> content.append(c.text());
                case Delta.ToolCallPiece p -> { }
            }
        });
        assertTrue(deltas.size() >= 2, "streamed in pieces: " + deltas);
        assertEquals(orEmpty(turn.message().reasoningContent()), reasoning.toString().strip());
        assertEquals(orEmpty(turn.message().content()), content.toString().strip());
        assertFalse(reasoning.isEmpty());
    }

    @Test
    void aPromptLongerThanTheContextFailsAndLeavesTheHistoryAsItWas() {
        var session = new ChatSession(model, new Conversation(null, false), GREEDY.withContextLength(16));
        String longText = String.join(" ", java.util.Collections.nCopies(40, "word"));
        var e = assertThrows(ContextOverflowException.class, () -> session.send(longText, d -> { }));
        assertTrue(e.getMessage().contains("16"), e.getMessage());
        assertEquals(0, session.conversation().size());
    }

    @Test
    void statsCountTheTurn() {
        var session = new ChatSession(model, new Conversation(null, false), GREEDY.withMaxTokens(6));
        TurnResult turn = session.send("hello", d -> { });
        int promptTokens = model.tokenizer().encode(turn.prompt(), true).length;
        assertEquals(promptTokens, turn.stats().promptTokens());
        assertEquals(6, turn.stats().generatedTokens());
        assertTrue(turn.stats().decodeTokensPerSecond() > 0);
        assertTrue(turn.stats().prefillTokensPerSecond() > 0);
        assertEquals(6, Arrays.stream(tokens(turn.steps(), 0, 6)).count());
    }
}
