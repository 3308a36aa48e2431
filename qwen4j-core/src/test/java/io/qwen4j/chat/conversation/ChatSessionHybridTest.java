package io.qwen4j.chat.conversation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.GenerationStep;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat turns on a tiny Qwen3.5-style hybrid: its recurrent state cannot be cut back, so a next turn, whose prompt
 * repeats the last one only up to the template's generation prompt, resumes from the copy kept where that
 * conversation ended; the answers equal those of a session that computes each turn's prompt from scratch.
 */
class ChatSessionHybridTest {

    @TempDir
    static Path dir;
    static LoadedModel model;

    @BeforeAll
    static void writeModel() throws Exception {
        Path file = dir.resolve("tiny-hybrid.gguf");
        // layer 0 linear attention (2 value heads over 1 key head), layer 1 gated attention
        SyntheticModelWriter.write(new SynthSpec("qwen35", 2, 64, 2, 1, 32, 128, 0, 0, 0, 151_936, 4096, true,
                TensorType.F32, TensorType.Q8_0, false, null, ChatSessionTest.shared().resolve("qwen/qwen3"), 9,
                new SynthSpec.Linear(1, 2, 16, 4, 2, 16)), file);
        model = ModelLoader.load(file, LoadOptions.defaults().withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] tokens(List<GenerationStep> steps) {
        return steps.stream().mapToInt(GenerationStep::token).toArray();
    }

    @Test
    void nextTurnsResumeFromTheStateKeptWhereTheConversationEnded() {
        var settings = ChatSessionTest.GREEDY.withMaxTokens(10);
        var session = new ChatSession(model, new Conversation("Be brief.", false), settings);
        TurnResult first = session.send("hello", d -> { });
        TurnResult second = session.send("and again", d -> { });
        TurnResult third = session.send("once more", d -> { });
        assertEquals(0, first.stats().reusedTokens());
        // the first prompt ends with the generation prompt and an empty think block, which the second does not repeat
        int firstPrompt = first.stats().promptTokens();
        assertTrue(second.stats().reusedTokens() > firstPrompt - 12 && second.stats().reusedTokens() < firstPrompt,
                "resumed where the first conversation ended, got " + second.stats().reusedTokens() + " of " + firstPrompt);
        assertTrue(third.stats().reusedTokens() > second.stats().reusedTokens());

        // Each turn answered from an empty cache gives the same tokens and log-probs.
        var history = new Conversation("Be brief.", false);
        history.addUser("hello");
        history.addAssistant(first.message());
        history.addUser("and again");
        history.addAssistant(second.message());
        TurnResult replay = new ChatSession(model, history, settings).send("once more", d -> { });
        assertEquals(third.prompt(), replay.prompt());
        assertEquals(0, replay.stats().reusedTokens());
        assertArrayEquals(tokens(replay.steps()), tokens(third.steps()));
        for (int i = 0; i < replay.steps().size(); i++) {
            assertEquals(replay.steps().get(i).logprob(), third.steps().get(i).logprob(), 1e-4, "step " + i);
        }
    }
}
