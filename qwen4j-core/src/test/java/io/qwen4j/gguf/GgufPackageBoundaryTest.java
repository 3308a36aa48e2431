package io.qwen4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The gguf package is a leaf: it knows tensors and the input-error base class, nothing of the engine. */
class GgufPackageBoundaryTest {

    private static final List<String> ALLOWED = List.of("java.", "io.qwen4j.gguf.", "io.qwen4j.tensor.",
            "io.qwen4j.InvalidInputException");

    @Test
    void importsOnlyTheJdkAndTensorTypes() throws IOException {
        Path sources = Path.of("src/main/java/io/qwen4j/gguf");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> list = Files.list(sources)) {
            for (Path file : list.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("import ")) {
                        String target = line.substring("import ".length()).replace("static ", "");
                        if (ALLOWED.stream().noneMatch(target::startsWith)) {
                            violations.add(file.getFileName() + ": " + line);
                        }
                    }
                }
            }
        }
        assertTrue(files >= 10, "found only " + files + " sources in " + sources.toAbsolutePath());
        assertEquals(List.of(), violations);
    }
}
