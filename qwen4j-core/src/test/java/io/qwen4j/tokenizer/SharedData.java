package io.qwen4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Paths into ../shared and the golden tokenizer cases, loaded once per test JVM. */
final class SharedData {
    static final Path QWEN3 = locate("qwen/qwen3");
    static final Path QWEN25 = locate("qwen/qwen2.5");

    record Case(String text, int[] ids) {
    }

    private static List<Case> cases;
    private static Tokenizer qwen3;
    private static ReferenceTokenizer qwen3Reference;

    private SharedData() {
    }

    static Path locate(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared").resolve(relative).normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared/" + relative + " not found above " + Path.of("").toAbsolutePath());
    }

    static synchronized Tokenizer qwen3() {
        if (qwen3 == null) {
            qwen3 = Tokenizer.fromHuggingFace(QWEN3);
        }
        return qwen3;
    }

    static synchronized ReferenceTokenizer qwen3Reference() {
        if (qwen3Reference == null) {
            qwen3Reference = new ReferenceTokenizer(QWEN3);
        }
        return qwen3Reference;
    }

    static synchronized List<Case> cases() {
        if (cases == null) {
            var mapper = new ObjectMapper();
            List<Case> loaded = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(QWEN3.resolve("tokenizer-cases.jsonl"), StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode node = mapper.readTree(line);
                    int[] ids = new int[node.get("ids").size()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = node.get("ids").get(i).asInt();
                    }
                    loaded.add(new Case(node.get("text").asText(), ids));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cases = List.copyOf(loaded);
        }
        return cases;
    }
}
