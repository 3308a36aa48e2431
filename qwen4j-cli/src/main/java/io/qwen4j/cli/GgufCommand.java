package io.qwen4j.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code qwen4j gguf}: inspect GGUF files ({@code info}) and extract tensors ({@code dequant}). */
@Command(name = "gguf", mixinStandardHelpOptions = true,
        description = "Inspect GGUF model files.",
        subcommands = {
            GgufInfoCommand.class,
            GgufDequantCommand.class,
        })
public final class GgufCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Splits positionals for commands that take {@code FILE ARGS...} where FILE may instead come from
     * {@code -m/--model} (the contract makes -m mean the model on every command).
     */
    static Path modelFrom(Path model, List<String> positionals, int expectedRest, String usage) {
        int expected = expectedRest + (model == null ? 1 : 0);
        if (positionals.size() != expected) {
            throw new IllegalArgumentException("expected " + usage + " but got " + positionals.size()
                    + " argument(s): " + positionals);
        }
        return model != null ? model : Path.of(positionals.getFirst());
    }

    static List<String> rest(Path model, List<String> positionals) {
        return model != null ? positionals : positionals.subList(1, positionals.size());
    }
}
