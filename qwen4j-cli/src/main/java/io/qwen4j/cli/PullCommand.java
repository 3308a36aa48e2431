package io.qwen4j.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code qwen4j pull REPO[:QUANT] [--revision R]}: downloads a model from the Hugging Face hub into its
 * cache and prints the local path on stdout, alone, so {@code qwen4j generate -m "$(qwen4j pull …)"}
 * works. Progress and remarks go to stderr.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model from the Hugging Face hub into its cache (HF layout) and print its local path.",
                "REPO:QUANT picks a GGUF file (e.g. Qwen/Qwen3-0.6B-GGUF:Q8_0); REPO alone fetches a safetensors checkpoint.",
                "Environment: HF_ENDPOINT, HF_TOKEN (gated repos), HF_HOME (cache), HF_HUB_OFFLINE=1 (cache only)."})
public final class PullCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REPO[:QUANT]", description = "ORG/NAME, or ORG/NAME:QUANT for a GGUF repo.")
    String reference;

    @Option(names = "--revision", paramLabel = "R", description = "Branch, tag or commit (default: main).")
    String revision;

    @Override
    public Integer call() throws Exception {
        var model = HubAccess.pull(reference, revision, System.err);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(model.path());
        return 0;
    }
}
