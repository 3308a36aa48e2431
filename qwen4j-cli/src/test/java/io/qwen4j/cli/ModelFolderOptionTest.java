package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code -m} on the tokenizer and template commands accepts an HF folder (not only a GGUF file) and then
 * behaves exactly like {@code --tokenizer} on the same folder.
 */
class ModelFolderOptionTest {

    static Path qwen3() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("qwen/qwen3");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no ../shared/qwen/qwen3");
    }

    @Test
    void tokenizeWithAFolderModelEqualsTheTokenizerFolder() {
        String text = "Hello, world! 你好 <|im_start|>";
        CliRun viaModel = CliRun.run("", "tokenize", "-m", qwen3().toString(), text);
        CliRun viaTokenizer = CliRun.run("", "tokenize", "--tokenizer", qwen3().toString(), text);
        assertEquals(0, viaModel.status(), viaModel.err());
        assertEquals(viaTokenizer.out(), viaModel.out());
    }

    @Test
    void templateWithAFolderModelEqualsTheTokenizerFolder() throws Exception {
        Path caseFile = Files.createTempFile("case", ".json");
        Files.writeString(caseFile, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        CliRun viaModel = CliRun.run("", "template", "-m", qwen3().toString(), "--case", caseFile.toString());
        CliRun viaTokenizer = CliRun.run("", "template", "--tokenizer", qwen3().toString(), "--case", caseFile.toString());
        assertEquals(0, viaModel.status(), viaModel.err());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", viaModel.out());
        assertEquals(viaTokenizer.out(), viaModel.out());
    }
}
