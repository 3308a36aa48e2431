package io.qwen4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which files make a model: the :QUANT rule of ../shared/CONTRACTS.md and the safetensors checkpoint files. */
class FileSelectionTest {

    private static List<RepoFile> repo(String... paths) {
        return Arrays.stream(paths).map(p -> new RepoFile(p, 1, null)).toList();
    }

    private static List<String> paths(FileSelection selection) {
        return selection.files().stream().map(RepoFile::path).toList();
    }

    @Test
    void quantMatchesDashOrDotBeforeTheExtensionIgnoringCase() {
        var files = repo("README.md", "qwen3-0.6b-q8_0.gguf", "Qwen3-0.6B.Q4_K_M.gguf", "Qwen3-0.6B-Q4_K_S.gguf",
                "Qwen3-0.6B-UD-Q4_K_XL.gguf");
        assertEquals(List.of("qwen3-0.6b-q8_0.gguf"), paths(FileSelection.select(files, "Q8_0", "r")));
        assertEquals("Qwen3-0.6B.Q4_K_M.gguf", FileSelection.select(files, "q4_k_m", "r").entry());
        assertEquals("Qwen3-0.6B-UD-Q4_K_XL.gguf", FileSelection.select(files, "UD-Q4_K_XL", "r").entry());
        // a quant is a whole word: Q4_K does not pick Q4_K_M or Q4_K_S
        var error = assertThrows(HubException.class, () -> FileSelection.select(files, "Q4_K", "r"));
        assertEquals("no GGUF file for quant Q4_K in r; available: Q4_K_M, Q4_K_S, Q4_K_XL, q8_0", error.getMessage());
    }

    @Test
    void splitPartsAreFetchedTogetherInOrderAndMustBeComplete() {
        var files = repo("Q8_0/m-Q8_0-00003-of-00003.gguf", "Q8_0/m-Q8_0-00001-of-00003.gguf",
                "Q8_0/m-Q8_0-00002-of-00003.gguf", "m-Q4_0.gguf");
        var selection = FileSelection.select(files, "q8_0", "r");
        assertEquals(List.of("Q8_0/m-Q8_0-00001-of-00003.gguf", "Q8_0/m-Q8_0-00002-of-00003.gguf",
                "Q8_0/m-Q8_0-00003-of-00003.gguf"), paths(selection));
        assertEquals("Q8_0/m-Q8_0-00001-of-00003.gguf", selection.entry());

        var missingPart = repo("m-Q8_0-00001-of-00003.gguf", "m-Q8_0-00003-of-00003.gguf");
        var error = assertThrows(HubException.class, () -> FileSelection.select(missingPart, "Q8_0", "r"));
        assertTrue(error.getMessage().contains("incomplete"), error.getMessage());
    }

    @Test
    void twoModelsWithTheSameQuantAreAmbiguous() {
        var files = repo("a-Q8_0.gguf", "b-Q8_0.gguf", "a-F16.gguf");
        var error = assertThrows(HubException.class, () -> FileSelection.select(files, "Q8_0", "r"));
        assertTrue(error.getMessage().startsWith("quant Q8_0 is ambiguous in r: it matches a-Q8_0.gguf, b-Q8_0.gguf"),
                error.getMessage());
    }

    @Test
    void checkpointTakesConfigTokenizerCardAndWeightsOnly() {
        var single = repo("README.md", "model.safetensors", "config.json", "tokenizer.json", "LICENSE",
                "generation_config.json", "tokenizer_config.json", "vocab.json", "merges.txt", "onnx/model.onnx");
        var selection = FileSelection.select(single, null, "r");
        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "vocab.json", "merges.txt", "README.md", "model.safetensors"), paths(selection));
        assertNull(selection.entry());

        var sharded = repo("config.json", "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                "model-00001-of-00002.safetensors", "consolidated.safetensors");
        assertEquals(List.of("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"), paths(FileSelection.select(sharded, null, "r")));

        // an embedding model's chat template and sentence-transformers pooling, as Qwen3-Embedding's repo has them
        var embedding = repo("1_Pooling/config.json", "README.md", "config.json", "config_sentence_transformers.json",
                "model.safetensors", "modules.json", "chat_template.jinja", "tokenizer.json", "2_Normalize/.gitkeep");
        assertEquals(List.of("config.json", "tokenizer.json", "chat_template.jinja", "modules.json", "README.md",
                "1_Pooling/config.json", "model.safetensors"), paths(FileSelection.select(embedding, null, "r")));

        var missingShard = repo("config.json", "model.safetensors.index.json", "model-00002-of-00002.safetensors");
        assertThrows(HubException.class, () -> FileSelection.select(missingShard, null, "r"));
        var noConfig = repo("model.safetensors");
        assertTrue(assertThrows(HubException.class, () -> FileSelection.select(noConfig, null, "r"))
                .getMessage().contains("no config.json"));
        var nothing = repo("README.md");
        assertTrue(assertThrows(HubException.class, () -> FileSelection.select(nothing, null, "r"))
                .getMessage().contains("no model weights"));
    }

    @Test
    void ggufRepoWithoutAQuantListsTheQuants() {
        var files = repo("m-Q8_0.gguf", "m-Q4_K_M-00001-of-00002.gguf", "m-Q4_K_M-00002-of-00002.gguf");
        var error = assertThrows(HubException.class, () -> FileSelection.select(files, null, "Org/M-GGUF"));
        assertEquals("Org/M-GGUF is a GGUF repo: name a quant, e.g. Org/M-GGUF:Q4_K_M; available: Q4_K_M, Q8_0",
                error.getMessage());
    }
}
