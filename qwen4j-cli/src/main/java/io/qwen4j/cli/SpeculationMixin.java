package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * {@code --speculative ngram|off}, {@code --draft-max N}, {@code --ngram-min N} and {@code -md/--model-draft MODEL},
 * shared by generate, chat, serve and bench batch.
 */
final class SpeculationMixin {

    @Option(names = "--speculative", paramLabel = "METHOD", defaultValue = "off",
            description = "Speculative decoding: ngram (guess the next tokens from earlier text and check them in the "
                    + "same pass; same output, fewer passes where text repeats) or off (default).")
    String method;

    @Option(names = "--draft-max", paramLabel = "N", defaultValue = "" + SpeculationOptions.DEFAULT_MAX_DRAFT,
            description = "Guessed tokens checked per pass at most (default ${DEFAULT-VALUE}).")
    int draftMax;

    @Option(names = "--ngram-min", paramLabel = "N", defaultValue = "" + SpeculationOptions.DEFAULT_MIN_NGRAM,
            description = "Shortest run of recent tokens whose earlier occurrence is trusted as a guess (default "
                    + "${DEFAULT-VALUE}; the longest, up to " + SpeculationOptions.DEFAULT_MAX_NGRAM + ", is tried first).")
    int ngramMin;

    @Option(names = {"-md", "--model-draft"}, paramLabel = "MODEL",
            description = "Guess with this smaller model of the same vocabulary (e.g. Qwen3-0.6B for Qwen3-8B).")
    String draftModel;

    @Option(names = "--draft-p-min", paramLabel = "P", defaultValue = "" + SpeculationOptions.DEFAULT_DRAFT_MIN_PROBABILITY,
            description = "A draft model's guess it gives less than P ends the draft (default ${DEFAULT-VALUE}).")
    double draftMinProbability;

    @Option(names = "--draft-always", description = "Guess whenever possible; by default a sequence pauses its guesses "
            + "while its passes with them have been slower per token than without.")
    boolean draftAlways;

    /** The options as given, checked before any model is loaded; a draft model is added by {@link #withDraft}. */
    SpeculationOptions options() {
        if (draftModel != null && !method.equals("off")) {
            throw new InvalidInputException("--model-draft and --speculative " + method + " exclude each other");
        }
        SpeculationOptions options = SpeculationOptions.parse(method, draftMax, ngramMin)
                .withDraftMinProbability(draftMinProbability);
        return draftAlways ? options.withoutPauses() : options;
    }

    /** The draft model given with {@code --model-draft}, loaded with {@code models}' threads, or null. */
    LoadedModel loadDraft(ModelOptions models, LoadedModel target, PrintStream log) throws IOException {
        if (draftModel == null) {
            return null;
        }
        LoadedModel draft = models.load(HubAccess.resolveModel(draftModel, log), LoadOptions.defaults().maxBatchTokens());
        String difference = vocabularyDifference(target, draft);
        if (difference != null) {
            draft.close();
            throw new InvalidInputException("--model-draft needs the model's vocabulary: " + difference);
        }
        return draft;
    }

    /** Where the two vocabularies differ (size, or the first id whose token differs), or null when they are the same. */
    private static String vocabularyDifference(LoadedModel target, LoadedModel draft) {
        int size = target.tokenizer().size();
        if (draft.tokenizer().size() != size) {
            return draft.name() + " has " + draft.tokenizer().size() + " tokens, " + target.name() + " " + size;
        }
        for (int id = 0; id < size; id++) {
            if (!draft.tokenizer().token(id).equals(target.tokenizer().token(id))) {
                return "token " + id + " is '" + draft.tokenizer().token(id) + "' in " + draft.name() + " but '"
                        + target.tokenizer().token(id) + "' in " + target.name();
            }
        }
        return null;
    }

    /** {@code options} guessing with {@code draft} when there is one. */
    static SpeculationOptions withDraft(SpeculationOptions options, LoadedModel draft) {
        return draft == null ? options : options.withDraftModel(draft.model());
    }
}
