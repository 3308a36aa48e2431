package io.qwen4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.synth.SyntheticModelWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelLoader} parses the chat template on first use: a raw prompt never pays for the template engine. */
class LazyChatTemplateTest {

    @TempDir
    static Path dir;
    private static Path qwen3;

    @BeforeAll
    static void writeModel() throws Exception {
        qwen3 = dir.resolve("qwen3.gguf");
        SyntheticModelWriter.write(ModelLoaderTest.spec("qwen3", false, null), qwen3);
    }

    @Test
    void chatTemplateIsParsedOnFirstUseOnly() throws Exception {
        AtomicInteger parses = new AtomicInteger();
        Path file = qwen3;
        try (LoadedModel real = ModelLoader.load(file, LoadOptions.defaults().withThreads(1))) {
            ChatTemplate template = real.requireChatTemplate();
            Supplier<Optional<ChatTemplate>> parser = () -> {
                parses.incrementAndGet();
                return Optional.of(template);
            };
            var lazy = new LoadedModel("m", file, real.config(), real.model(), real.tokenizer(), parser,
                    real.endOfTurnIds(), real.samplingDefaults(), real.embedding(), real.weightBytes(), real.pool(), () -> { });
            assertEquals(0, parses.get(), "not parsed at construction");
            assertEquals(template, lazy.chatTemplate().orElseThrow());
            assertEquals(template, lazy.requireChatTemplate());
            assertEquals(1, parses.get(), "parsed once");
        }
    }
}
