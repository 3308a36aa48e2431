package io.qwen4j.chat.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden case in ../shared/qwen/templates/cases renders byte-identical to what HF transformers
 * produced, with the template the case names; bos/eos as with a bare template file ("" and "<|im_end|>").
 */
class GoldenCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ChatTemplate> TEMPLATES = new HashMap<>();

    static ChatTemplate template(Path dir, String name) throws IOException {
        String key = dir.resolve(name).toString();
        ChatTemplate t = TEMPLATES.get(key);
        if (t == null) {
            t = ChatTemplate.parse(Files.readString(dir.resolve(name)), "", "<|im_end|>");
            TEMPLATES.put(key, t);
        }
        return t;
    }

    /** Renders one case file ({messages, tools?, kwargs?, add_generation_prompt?, template, expected}). */
    static String renderCase(Path templateDir, JsonNode c) throws IOException {
        ChatTemplate template = template(templateDir, c.get("template").asText());
        JsonNode kwargs = c.get("kwargs");
        if (c.has("add_generation_prompt")) {
            var merged = JSON.createObjectNode().set("add_generation_prompt", c.get("add_generation_prompt"));
            if (kwargs != null) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) merged).setAll((com.fasterxml.jackson.databind.node.ObjectNode) kwargs);
            }
            kwargs = merged;
        }
        return template.render(c.get("messages"), c.get("tools"), kwargs);
    }

    @TestFactory
    Stream<DynamicTest> sharedGoldenCases() throws IOException {
        Path cases = SharedFiles.templates().resolve("cases");
        try (Stream<Path> files = Files.list(cases)) {
            var list = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertEquals(35, list.size(), "golden case count");
            return list.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                JsonNode c = JSON.readTree(file.toFile());
                assertEquals(c.get("expected").asText(), renderCase(SharedFiles.templates(), c));
            }));
        }
    }

    @Test
    void sharedCasesCoverEveryTemplate() throws IOException {
        try (Stream<Path> files = Files.list(SharedFiles.templates())) {
            assertTrue(files.filter(p -> p.toString().endsWith(".jinja")).count() >= 4);
        }
    }
}
