package io.qwen4j.synth;

import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The built-in demo model: a small Qwen3-shaped model with the real Qwen3 tokenizer and template and
 * RANDOM weights, synthesized once and cached, so qwen4j runs offline with no download. Its output is
 * meaningless text; it exists to show the machinery working.
 */
public final class DemoModel {

    public static final String LABEL = "built-in demo model (Qwen3-shaped, RANDOM weights: its text is gibberish)";
    private static final String FILE_NAME = "demo-qwen3-4l-512d-q8_0-v1.gguf";

    private DemoModel() {
    }

    public static SynthSpec spec(Path tokenizerDir) {
        return new SynthSpec("qwen3", 4, 512, 8, 4, 64, 1536, 0, 0, 0, 151_936, 40_960, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, tokenizerDir, 42);
    }

    /** The cache folder: {@code $QWEN4J_HOME}, else {@code ~/.cache/qwen4j}. */
    public static Path cacheDir() {
        String home = System.getenv("QWEN4J_HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".cache", "qwen4j");
    }

    /** The demo model's file, synthesized on first use (written aside and moved, so concurrent first runs are safe). */
    public static Path ensure(Path tokenizerDir) throws IOException {
        Path dir = cacheDir();
        Path file = dir.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, FILE_NAME, ".partial");
        try {
            SyntheticModelWriter.write(spec(tokenizerDir), partial);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
        return file;
    }
}
