package io.qwen4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fake hub with a GGUF repo (Q8_0, and Q4_K_M split in two) and a sharded safetensors repo, and a temporary cache. */
abstract class FakeHubFixture {


    static final String GGUF_REPO = "Qwen/Tiny-GGUF";
    static final String ST_REPO = "Qwen/Tiny";
    static final String GGUF_SHA = "a".repeat(40);
    static final String ST_SHA = "b".repeat(40);

    @TempDir
    Path cacheDir;

    FakeHub hub;
    Map<String, FakeHub.File> ggufFiles;
    Map<String, FakeHub.File> stFiles;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        var random = new Random(7);
        ggufFiles = new LinkedHashMap<>();
        ggufFiles.put(".gitattributes", text("*.gguf filter=lfs\n"));
        ggufFiles.put("README.md", text("# Tiny GGUF\n"));
        ggufFiles.put("Tiny-Q8_0.gguf", blob(random, 300_000));
        ggufFiles.put("Tiny-Q4_K_M-00001-of-00002.gguf", blob(random, 120_000));
        ggufFiles.put("Tiny-Q4_K_M-00002-of-00002.gguf", blob(random, 90_000));
        hub.add(GGUF_REPO, new FakeHub.Repo(GGUF_SHA, ggufFiles, List.of("main"), false, List.of()));
        stFiles = new LinkedHashMap<>();
        stFiles.put("README.md", text("# Tiny\n"));
        stFiles.put("config.json", text("{\"model_type\":\"qwen3\"}"));
        stFiles.put("generation_config.json", text("{\"temperature\":0.6}"));
        stFiles.put("tokenizer.json", text("{\"model\":{}}"));
        stFiles.put("tokenizer_config.json", text("{}"));
        stFiles.put("merges.txt", text("a b\n"));
        stFiles.put("model.safetensors.index.json", text("{\"weight_map\":{}}"));
        stFiles.put("model-00001-of-00002.safetensors", blob(random, 70_000));
        stFiles.put("model-00002-of-00002.safetensors", blob(random, 50_000));
        stFiles.put("figures/chart.png", blob(random, 10_000));
        hub.add(ST_REPO, new FakeHub.Repo(ST_SHA, stFiles, List.of("main", "v1"), false, List.of()));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    static FakeHub.File text(String s) {
        return new FakeHub.File(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    }

    static FakeHub.File blob(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return new FakeHub.File(bytes, true);
    }

    HubClient client(String token) {
        return new HubClient(new HubConfig(hub.endpoint(), token, cacheDir, false), 10, java.time.Duration.ofMillis(400));
    }

    PulledModel pull(String reference) throws IOException {
        return client(null).pull(ModelReference.parse(reference), null, PullListener.NONE);
    }

    Path repoDir(String repoId) {
        return cacheDir.resolve("models--" + repoId.replace("/", "--"));
    }
}
