package io.qwen4j.cli;

import io.qwen4j.engine.KvCacheType;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j bench}: speed figures, each reported as a ratio to a ceiling or a baseline measured in
 * the same run (these machines are shared and noisy, so absolute numbers alone mean little).
 *
 * <p>With {@code -m MODEL} it benchmarks the model ({@link BenchModelCommand}, llama-bench style); the
 * component benchmarks are the subcommands listed below.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: model speed against the memory-bandwidth ceiling (-m), and component throughput.",
        subcommands = {
            BenchTemplateCommand.class,
            BenchDequantCommand.class,
            BenchTokenizerCommand.class,
            BenchBatchCommand.class,
            BenchMatmulCommand.class,
        })
public final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", defaultValue = "128",
            description = "Prompt tokens of the prefill test (default ${DEFAULT-VALUE}; 0 = skip).")
    int promptTokens;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", defaultValue = "64",
            description = "Decode steps of the generation test (default ${DEFAULT-VALUE}; 0 = skip).")
    int genTokens;

    @Option(names = {"-d", "--n-depth"}, paramLabel = "N", defaultValue = "0",
            description = "Context already in the cache when each test starts, as llama-bench's -d (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", defaultValue = "f32", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String kvCacheType;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "3",
            description = "Timed repetitions of each test after one warm-up (default ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "3",
            description = "Untimed runs of each test first, for at least this long (default ${DEFAULT-VALUE}; the JIT needs it).")
    double warmupSeconds;

    @Option(names = "--json", description = "Print one JSON object (llama-bench fields plus the ceiling).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (model.model == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 0;
        }
        var settings = new BenchModelCommand.Settings(promptTokens, genTokens, depth, KvCacheType.parse(kvCacheType), repetitions,
                warmupSeconds, json);
        return new BenchModelCommand(settings).run(model, new PrintStream(System.out, false, StandardCharsets.UTF_8));
    }
}
