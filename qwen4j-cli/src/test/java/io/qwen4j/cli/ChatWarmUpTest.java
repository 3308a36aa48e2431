package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.chat.conversation.ChatSession;
import io.qwen4j.chat.conversation.ChatSettings;
import io.qwen4j.chat.conversation.Conversation;
import io.qwen4j.chat.conversation.SamplingOverrides;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatWarmUpTest {

    @TempDir
    static Path dir;
    static LoadedModel model;

    /** Sampled, seeded: the warm-up must leave nothing behind that changes a later turn's draws. */
    static final ChatSettings SETTINGS = new ChatSettings(512, KvCacheType.F16, 12, OptionalInt.empty(),
            new SamplingOverrides(OptionalDouble.of(0.7), OptionalDouble.of(0.8), OptionalInt.of(20), OptionalLong.of(5)));

    @BeforeAll
    static void load() throws Exception {
        Path file = dir.resolve("tiny-warm.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 128, 0, 0, 0, 151_936, 4096, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen3"), 17), file);
        model = ModelLoader.load(file, LoadOptions.defaults().withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static List<GenerationStep> turn() {
        var session = new ChatSession(model, new Conversation(null, false), SETTINGS);
        return session.send("Tell me about the sea.", delta -> { }).steps();
    }

    @Test
    void aTurnAfterTheWarmUpIsTheTurnWithoutIt() {
        List<GenerationStep> cold = turn();
        var warmUp = ChatWarmUp.start(model, SETTINGS, false);
        warmUp.await();
        assertTrue(warmUp.isDone());
        List<GenerationStep> warm = turn();
        assertEquals(cold.size(), warm.size());
        for (int i = 0; i < cold.size(); i++) {
            assertEquals(cold.get(i).token(), warm.get(i).token(), "token " + i);
            assertEquals(cold.get(i).logprob(), warm.get(i).logprob(), "log-prob " + i);
        }
    }

    @Test
    void closingWaitsForTheWarmUpSoTheModelMayBeClosedAfter() {
        var warmUp = ChatWarmUp.start(model, SETTINGS, true);
        warmUp.close();
        assertTrue(warmUp.isDone(), "the warm-up thread still runs after close()");
    }
}
