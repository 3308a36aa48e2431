package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code qwen4j template} prints exactly the golden prompt bytes for every shared case. */
class TemplateCommandTest {

    private static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolveSibling("shared").resolve("qwen/templates"))) {
                return dir.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("no ../shared");
    }

    private static byte[] run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(args), String.join(" ", args));
        } finally {
            System.setOut(original);
        }
        return bytes.toByteArray();
    }

    @Test
    void everySharedCaseRendersThroughTheCli() throws Exception {
        Path templates = shared().resolve("qwen/templates");
        List<Path> cases;
        try (Stream<Path> files = Files.list(templates.resolve("cases"))) {
            cases = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(35, cases.size());
        for (Path c : cases) {
            var node = new ObjectMapper().readTree(c.toFile());
            byte[] expected = node.get("expected").asText().getBytes(StandardCharsets.UTF_8);
            byte[] actual = run("template", "--template", templates.resolve(node.get("template").asText()).toString(),
                    "--case", c.toString());
            assertArrayEquals(expected, actual, c.getFileName().toString());
        }
    }

    @Test
    void tokenizerFolderSuppliesTemplateAndTopLevelAddGenerationPrompt() throws Exception {
        Path caseFile = Files.createTempFile("qwen4j-case", ".json");
        Files.writeString(caseFile, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"add_generation_prompt\": false,"
                + " \"template\": \"ignored.jinja\"}");
        String out = new String(run("template", "--tokenizer", shared().resolve("qwen/qwen3").toString(), "--case", caseFile.toString()),
                StandardCharsets.UTF_8);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", out);
        Files.delete(caseFile);
    }

    @Test
    void missingGgufFileIsBadInput() {
        assertEquals(Main.EXIT_BAD_INPUT, Main.run("template", "-m", "model.gguf", "--case", "case.json"));
    }
}
