package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes an output file through {@code NAME.partial} and a rename, so a failed run leaves no half file. */
final class OutputFiles {

    interface Writer {
        void write(Path partial) throws IOException;
    }

    private OutputFiles() {
    }

    static void writeAtomically(Path out, Writer writer) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new InvalidInputException("output folder does not exist: " + parent);
        }
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        try {
            writer.write(partial);
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
