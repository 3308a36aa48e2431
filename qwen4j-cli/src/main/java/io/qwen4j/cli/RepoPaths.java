package io.qwen4j.cli;

import java.nio.file.Path;

/**
 * Resolves default paths such as {@code ../shared/qwen/qwen3} against the repository root (the
 * launcher passes it as {@code -Dqwen4j.root}), not the working directory, as ../shared/CONTRACTS.md asks.
 */
public final class RepoPaths {
    private RepoPaths() {
    }

    public static Path root() {
        String root = System.getProperty("qwen4j.root");
        return root == null ? Path.of("").toAbsolutePath() : Path.of(root);
    }

    /** A default path written relative to the repository root. */
    public static Path fromRoot(String relative) {
        return root().resolve(relative).normalize();
    }
}
