package io.qwen4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing {@code ORG/NAME[:QUANT]} and the hub settings from the environment. */
class ModelReferenceTest {

    @Test
    void parsesRepoAndQuant() {
        assertEquals(new ModelReference("Qwen", "Qwen3-0.6B-GGUF", "Q8_0"), ModelReference.parse("Qwen/Qwen3-0.6B-GGUF:Q8_0"));
        assertEquals(new ModelReference("Qwen", "Qwen3-0.6B", null), ModelReference.parse("Qwen/Qwen3-0.6B"));
        assertEquals(new ModelReference("unsloth", "Qwen3-8B-GGUF", "UD-Q4_K_XL"),
                ModelReference.parse("hf.co/unsloth/Qwen3-8B-GGUF:UD-Q4_K_XL"));
        assertEquals("Qwen/Qwen2.5-0.5B-Instruct", ModelReference.parse("Qwen/Qwen2.5-0.5B-Instruct").repoId());
    }

    @Test
    void otherShapesAreNotReferences() {
        for (String value : new String[] {"model.gguf", "/abs/path/m.gguf", "./Qwen/x", "a/b/c", "../shared/x",
                "Qwen/", "/Qwen3", "Qwen/Qwen3:", "Qwen/../x", "C:\\models\\m.gguf"}) {
            assertFalse(ModelReference.looksLike(value), value);
            assertThrows(HubException.class, () -> ModelReference.parse(value), value);
        }
        assertTrue(ModelReference.looksLike("Qwen/Qwen3-0.6B-GGUF:q4_k_m"));
    }

    @Test
    void configComesFromTheHuggingFaceVariables() {
        var config = HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "http://127.0.0.1:9/", "HF_TOKEN", "hf_x",
                "HF_HOME", "/tmp/hf", "HF_HUB_OFFLINE", "1"));
        assertEquals(URI.create("http://127.0.0.1:9"), config.endpoint());
        assertEquals("hf_x", config.token());
        assertEquals(Path.of("/tmp/hf/hub"), config.cacheDir());
        assertTrue(config.offline());

        var defaults = HubConfig.fromEnvironment(Map.of());
        assertEquals(URI.create("https://huggingface.co"), defaults.endpoint());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"), defaults.cacheDir());
        assertFalse(defaults.offline());
        assertEquals(Path.of("/x"), HubConfig.fromEnvironment(Map.of("HF_HUB_CACHE", "/x", "HF_HOME", "/y")).cacheDir());
        assertThrows(HubException.class, () -> HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x")));
    }

    @Test
    void tokenFallsBackToTheLoginFile(@TempDir Path home) throws IOException {
        assertNull(HubConfig.fromEnvironment(Map.of("HF_HOME", home.toString())).token());
        Files.writeString(home.resolve("token"), "hf_from_file\n");
        assertEquals("hf_from_file", HubConfig.fromEnvironment(Map.of("HF_HOME", home.toString())).token());
        assertEquals("hf_env", HubConfig.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_TOKEN", "hf_env")).token());
    }
}
