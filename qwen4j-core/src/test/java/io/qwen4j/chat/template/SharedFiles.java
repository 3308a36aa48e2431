package io.qwen4j.chat.template;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds ../shared (beside the repository root) from wherever the tests run. */
final class SharedFiles {
    private SharedFiles() {
    }

    static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("qwen/templates"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find ../shared/qwen/templates from " + Path.of("").toAbsolutePath());
    }

    static Path templates() {
        return shared().resolve("qwen/templates");
    }
}
