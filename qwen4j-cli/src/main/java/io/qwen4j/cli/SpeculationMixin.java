package io.qwen4j.cli;

import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.model.ModelConfig;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/** {@code --speculative ngram|off}, {@code --draft-max N} and {@code --ngram-min N}, shared by generate, chat, serve. */
final class SpeculationMixin {

    @Option(names = "--speculative", paramLabel = "METHOD", defaultValue = "off",
            description = "Speculative decoding: ngram (guess the next tokens from earlier text and check them in the "
                    + "same pass; same output, fewer passes where text repeats) or off (default). Not for hybrid models.")
    String method;

    @Option(names = "--draft-max", paramLabel = "N", defaultValue = "" + SpeculationOptions.DEFAULT_MAX_DRAFT,
            description = "Guessed tokens checked per pass at most (default ${DEFAULT-VALUE}).")
    int draftMax;

    @Option(names = "--ngram-min", paramLabel = "N", defaultValue = "" + SpeculationOptions.DEFAULT_MIN_NGRAM,
            description = "Shortest run of recent tokens whose earlier occurrence is trusted as a guess (default "
                    + "${DEFAULT-VALUE}; the longest, up to " + SpeculationOptions.DEFAULT_MAX_NGRAM + ", is tried first).")
    int ngramMin;

    SpeculationOptions options() {
        return SpeculationOptions.parse(method, draftMax, ngramMin);
    }

    /** Says so on {@code log} when speculation was asked for a model it does not run on. */
    void warnIfUnused(SpeculationOptions options, ModelConfig config, PrintStream log) {
        if (options.enabled() && options.newSpeculator(config).isEmpty()) {
            log.println("note: --speculative is not available for hybrid (linear attention) models; decoding plainly");
        }
    }
}
