package io.qwen4j.gguf;

import io.qwen4j.InvalidInputException;
import java.nio.file.Path;

/** A GGUF file whose content is wrong; the message names the file, the byte offset and the problem. */
public class GgufFormatException extends InvalidInputException {

    private final transient Path file;
    private final long offset;

    /** @param offset byte offset of the problem in the file, or -1 when it has none (e.g. a missing key) */
    public GgufFormatException(Path file, long offset, String problem) {
        super(describe(file, offset, problem));
        this.file = file;
        this.offset = offset;
    }

    private static String describe(Path file, long offset, String problem) {
        String where = file == null ? "GGUF" : file.toString();
        return offset >= 0 ? where + ": at byte " + offset + ": " + problem : where + ": " + problem;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
