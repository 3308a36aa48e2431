package io.qwen4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.InvalidInputException;
import io.qwen4j.JsonErrors;
import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.loader.GgufChatTemplates;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j template (--template FILE | --tokenizer DIR | -m FILE.gguf) --case CASE.json}: renders a
 * conversation with a model's chat template and prints the prompt exactly (UTF-8, no added newline),
 * as ../shared/CONTRACTS.md "Templates" specifies.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Render a conversation (a case file) with a chat template and print the prompt.")
public final class TemplateCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--template", paramLabel = "FILE", description = "A Jinja template file (bos \"\", eos \"<|im_end|>\").")
        Path templateFile;

        @Option(names = "--tokenizer", paramLabel = "DIR", description = "An HF folder with tokenizer_config.json.")
        Path tokenizerDir;

        @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
                description = "A GGUF model file, an HF model folder, or ORG/NAME[:QUANT] (pulled on first use).")
        String model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--case", required = true, paramLabel = "CASE.json",
            description = "{messages, tools?, kwargs?, add_generation_prompt?}; a 'template' key is ignored.")
    Path caseFile;

    @Override
    public Integer call() throws IOException {
        ChatTemplate template = load(source);
        JsonNode c = readCase(caseFile);
        String prompt = template.render(c.get("messages"), c.get("tools"), kwargs(c));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        out.write(prompt.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return 0;
    }

    static ChatTemplate load(Source source) throws IOException {
        if (source.model != null) {
            Path model = HubAccess.resolveModel(source.model, System.err);
            if (Files.isDirectory(model)) {
                return ChatTemplate.fromHuggingFace(model);
            }
            try (GgufFile gguf = GgufFile.open(model)) {
                return GgufChatTemplates.read(gguf.metadata());
            }
        }
        if (source.tokenizerDir != null) {
            if (!Files.isDirectory(source.tokenizerDir)) {
                throw new InvalidInputException("--tokenizer: not a directory: " + source.tokenizerDir);
            }
            return ChatTemplate.fromHuggingFace(source.tokenizerDir);
        }
        return ChatTemplate.parse(Files.readString(source.templateFile, StandardCharsets.UTF_8), "", "<|im_end|>");
    }

    static JsonNode readCase(Path file) throws IOException {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidInputException(file + " is not valid JSON: " + JsonErrors.describe(e));
        }
        if (c == null || !c.isObject()) {
            throw new InvalidInputException(file + " must hold a JSON object with \"messages\"");
        }
        if (!c.path("messages").isArray()) {
            throw new InvalidInputException(file + ": \"messages\" must be a JSON array");
        }
        return c;
    }

    /** The case's kwargs, with a top-level add_generation_prompt applied unless kwargs sets it. */
    static JsonNode kwargs(JsonNode c) {
        JsonNode kwargs = c.get("kwargs");
        if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
            throw new InvalidInputException("\"kwargs\" must be a JSON object");
        }
        ObjectNode merged = new ObjectMapper().createObjectNode();
        if (c.has("add_generation_prompt")) {
            merged.set("add_generation_prompt", c.get("add_generation_prompt"));
        }
        if (kwargs != null && kwargs.isObject()) {
            merged.setAll((ObjectNode) kwargs);
        }
        return merged;
    }
}
