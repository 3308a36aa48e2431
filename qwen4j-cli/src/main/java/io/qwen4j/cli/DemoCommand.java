package io.qwen4j.cli;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.loader.GgufChatTemplates;
import io.qwen4j.loader.GgufVocabulary;
import io.qwen4j.synth.DemoModel;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code qwen4j demo}: the README's main command until generation lands. It synthesizes (once) the
 * built-in demo model and walks one chat turn through the layers that exist: GGUF metadata, the chat
 * template and the tokenizer, all read back from the model file.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Synthesize the built-in demo model (once) and show a chat turn through GGUF, template and tokenizer.")
public final class DemoCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path model = DemoModel.ensure(RepoPaths.fromRoot("../shared/qwen/qwen3"));
        out.println("Model: " + model);
        out.println("       " + DemoModel.LABEL);
        try (GgufFile gguf = GgufFile.open(model)) {
            var m = gguf.metadata();
            out.printf("GGUF v%d, %d tensors, %s, %d layers, hidden %d, %d heads (%d kv)%n", gguf.version(),
                    gguf.tensorInfos().size(), m.getString("general.architecture"), m.getInt("qwen3.block_count"),
                    m.getInt("qwen3.embedding_length"), m.getInt("qwen3.attention.head_count"),
                    m.getInt("qwen3.attention.head_count_kv"));
            ChatTemplate template = GgufChatTemplates.read(m);
            Tokenizer tokenizer = Tokenizer.fromVocabulary(GgufVocabulary.read(m));
            List<Map<String, Object>> messages = List.of(
                    Map.of("role", "system", "content", "You are a helpful assistant."),
                    Map.of("role", "user", "content", "Bonjour ! Wie geht's? 你好 /no_think"));
            String prompt = template.render(messages, null, Map.of("add_generation_prompt", true));
            out.println("\nPrompt rendered with the model's own chat template:\n" + prompt);
            int[] ids = tokenizer.encode(prompt);
            out.println("Token ids (" + ids.length + "): " + Arrays.toString(ids));
            out.println("Decoded back equals the prompt: " + tokenizer.decode(ids).equals(prompt));
        }
        return 0;
    }
}
