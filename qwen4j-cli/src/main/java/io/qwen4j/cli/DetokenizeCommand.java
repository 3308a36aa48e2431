package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code qwen4j detokenize IDS}: comma-separated token ids to text, special tokens included, no added newline. */
@Command(name = "detokenize", mixinStandardHelpOptions = true, description = "Print the text of comma-separated token ids.")
public final class DetokenizeCommand implements Callable<Integer> {

    @Mixin
    TokenizerSource source;

    @Parameters(index = "0", paramLabel = "IDS", description = "Token ids, comma-separated (e.g. 9707,11).")
    String ids;

    @Override
    public Integer call() throws java.io.IOException {
        int[] parsed = parseIds(ids);
        String text = source.load().decode(parsed);
        PrintStream out = new PrintStream(System.out, false,
                StandardCharsets.UTF_8);
        out.print(text);
        out.flush();
        return 0;
    }

    static int[] parseIds(String list) {
        String trimmed = list.strip();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        String[] parts = trimmed.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            try {
                out[i] = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("token id \"" + part + "\" (item " + (i + 1) + ") is not an integer");
            }
        }
        return out;
    }
}
