package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.loader.GgufVocabulary;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options that choose a tokenizer ({@code --tokenizer DIR} or {@code -m FILE}), shared by the tokenizer commands. */
final class TokenizerSource {
    static final String DEFAULT_TOKENIZER = "../shared/qwen/qwen3";

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "HF tokenizer folder (tokenizer.json, tokenizer_config.json). Default: " + DEFAULT_TOKENIZER)
    Path tokenizerDir;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Model whose tokenizer to use: a GGUF file, an HF model folder, or ORG/NAME[:QUANT].")
    String model;

    Tokenizer load() throws java.io.IOException {
        if (model != null) {
            if (tokenizerDir != null) {
                throw new InvalidInputException("give either --tokenizer or -m/--model, not both");
            }
            Path path = HubAccess.resolveModel(model, System.err);
            if (java.nio.file.Files.isDirectory(path)) {
                return Tokenizer.fromHuggingFace(path);
            }
            try (GgufFile gguf = GgufFile.open(path)) {
                return Tokenizer.fromVocabulary(GgufVocabulary.read(gguf.metadata()));
            }
        }
        return Tokenizer.fromHuggingFace(tokenizerDir != null ? tokenizerDir : RepoPaths.fromRoot(DEFAULT_TOKENIZER));
    }
}
