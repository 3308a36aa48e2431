package io.qwen4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code qwen4j bench}: speed figures, each reported as a ratio to a ceiling or a baseline measured in
 * the same run (these machines are shared and noisy, so absolute numbers alone mean little).
 *
 * <p>Each benchmark is its own subcommand class listed below.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: model speed against the memory-bandwidth ceiling, and component throughput.",
        subcommands = {
            BenchTemplateCommand.class,
            BenchDequantCommand.class,
            BenchTokenizerCommand.class,
            BenchBatchCommand.class,
        })
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
