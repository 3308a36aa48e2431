package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The tokenizer is a leaf: a loader elsewhere bridges GGUF metadata to {@link Vocabulary}. */
class PackageDependencyTest {
    @Test
    void tokenizerSourcesImportNoOtherQwen4jPackageButTheInputErrorHelpers() throws IOException {
        Path dir = Path.of("src/main/java/io/qwen4j/tokenizer");
        List<String> offending;
        try (Stream<Path> files = Files.list(dir)) {
            offending = files.flatMap(file -> {
                try {
                    return Files.readAllLines(file).stream()
                            .filter(line -> line.startsWith("import io.qwen4j.") || line.startsWith("import static io.qwen4j."))
                            .filter(line -> !line.equals("import io.qwen4j.InvalidInputException;")
                                    && !line.equals("import io.qwen4j.JsonErrors;")
                                    && !line.startsWith("import static io.qwen4j.tokenizer."))
                            .map(line -> file.getFileName() + ": " + line);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertTrue(Files.exists(dir.resolve("Tokenizer.java")), "run from the qwen4j-core module directory");
        assertEquals(List.of(), offending);
    }
}
