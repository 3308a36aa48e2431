package io.qwen4j.chat.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden renders produced by Python Jinja2 3.1.6 set up as HF transformers does
 * (src/test/python/gen_template_cases.py, output committed under src/test/resources/templates/cases):
 * nested tool schemas with floats, unicode, reasoning, string and object arguments, thinking on/off,
 * no generation prompt, the Qwen2.5-Math template, Qwen-family templates written from memory (QwQ,
 * Qwen2.5-Coder, Qwen3-2507 instruct, Qwen2-VL/Qwen3-VL with content parts, R1-distill), a whitespace-control
 * template, and a template exercising Jinja2 features directly.
 */
class GeneratedCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path localTemplates() {
        return Path.of("src/test/resources/templates").toAbsolutePath();
    }

    private static Path templateDir(String name) {
        return Files.exists(localTemplates().resolve(name)) ? localTemplates() : SharedFiles.templates();
    }

    @TestFactory
    Stream<DynamicTest> generatedGoldenCases() throws IOException {
        try (Stream<Path> files = Files.list(localTemplates().resolve("cases"))) {
            var list = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertEquals(139, list.size(), "generated case count");
            return list.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                JsonNode c = JSON.readTree(file.toFile());
                String name = c.get("template").asText();
                assertEquals(c.get("expected").asText(), GoldenCasesTest.renderCase(templateDir(name), c));
            }));
        }
    }
}
