package io.qwen4j.cli;

import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.synth.DemoModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that choose and load a model, shared by every command that runs one ({@code generate},
 * {@code chat}, {@code bench -m}, {@code serve}): {@code -m/--model} and {@code -t/--threads}. Without
 * {@code -m}, commands that allow it fall back to the built-in demo model (random weights, labelled).
 */
final class ModelOptions {

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Model: a GGUF file, an HF model folder, or ORG/NAME[:QUANT] (pulled on first use). Default: the built-in demo model (random weights) where allowed.")
    String model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    int threads;

    /** The model path the user gave, or the demo model (synthesized on first use), announced on {@code log}. */
    Path resolve(PrintStream log) throws IOException {
        if (model != null) {
            return HubAccess.resolveModel(model, log);
        }
        Path demo = DemoModel.ensure(RepoPaths.fromRoot("../shared/qwen/qwen3"));
        log.println("Using the " + DemoModel.LABEL + ": " + demo);
        return demo;
    }

    /** Loads the model (or the demo model), with {@code maxBatchTokens} as the largest single pass. */
    LoadedModel load(PrintStream log, int maxBatchTokens) throws IOException {
        return load(resolve(log), maxBatchTokens);
    }

    /** Loads a model path already {@link #resolve resolved}, with this option's thread count. */
    LoadedModel load(Path resolved, int maxBatchTokens) throws IOException {
        return ModelLoader.load(resolved, new LoadOptions(threads, maxBatchTokens));
    }

    LoadedModel load(PrintStream log) throws IOException {
        return load(log, LoadOptions.defaults().maxBatchTokens());
    }
}
