package io.qwen4j.engine.speculative;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.Model;
import java.util.Optional;

/**
 * Whether and how to decode speculatively ({@code --speculative ngram --draft-max N}, or {@code --model-draft MODEL}):
 * up to {@code maxDraft} guessed tokens checked per forward pass, guessed by prompt lookup over n-grams of
 * {@code minNgram..maxNgram} tokens or, when {@code draftModel} is set, by that smaller model of the same vocabulary,
 * which stops guessing at a token it gives less than {@code draftMinProbability}. With {@code pauseWhenSlower}, a
 * sequence stops guessing for a while when its passes with guesses have been slower per token than without
 * ({@link Speculator}); off ({@code --draft-always}) it guesses whenever it can, as benchmarks and tests want. The
 * output is the same as without speculation (greedy or seeded sampling alike); only the number of passes changes.
 */
public record SpeculationOptions(boolean enabled, int maxDraft, int minNgram, int maxNgram, Model draftModel,
                                 double draftMinProbability, boolean pauseWhenSlower) {

    public static final int DEFAULT_MAX_DRAFT = 3;
    public static final int DEFAULT_MIN_NGRAM = 3;
    public static final int DEFAULT_MAX_NGRAM = 4;
    public static final double DEFAULT_DRAFT_MIN_PROBABILITY = 0.75;
    public static final SpeculationOptions OFF = new SpeculationOptions(false, DEFAULT_MAX_DRAFT, DEFAULT_MIN_NGRAM,
            DEFAULT_MAX_NGRAM, null, DEFAULT_DRAFT_MIN_PROBABILITY, true);

    public SpeculationOptions {
        if (maxDraft < 1 || maxDraft > 64) {
            throw new InvalidInputException("--draft-max must be in [1, 64], got " + maxDraft);
        }
        if (minNgram < 1 || maxNgram < minNgram) {
            throw new InvalidInputException("n-gram sizes must satisfy 1 <= min <= max, got " + minNgram + ".." + maxNgram);
        }
        if (draftModel != null && draftModel.config().isHybrid()) {
            throw new InvalidInputException("a draft model must not be hybrid (linear attention): its state cannot go "
                    + "back past rejected guesses");
        }
        if (!(draftMinProbability >= 0 && draftMinProbability <= 1)) {
            throw new InvalidInputException("--draft-p-min must be in [0, 1], got " + draftMinProbability);
        }
    }

    /** {@code "ngram"} or {@code "off"} (the CLI's {@code --speculative}), drafting up to {@code maxDraft} tokens. */
    public static SpeculationOptions parse(String method, int maxDraft) {
        return parse(method, maxDraft, DEFAULT_MIN_NGRAM);
    }

    /** As above, trusting n-grams of at least {@code minNgram} tokens ({@code --ngram-min}). */
    public static SpeculationOptions parse(String method, int maxDraft, int minNgram) {
        if (minNgram < 1 || minNgram > DEFAULT_MAX_NGRAM) {
            throw new InvalidInputException("--ngram-min must be in [1, " + DEFAULT_MAX_NGRAM + "], got " + minNgram);
        }
        return switch (method) {
            case "off", "none" -> new SpeculationOptions(false, maxDraft, minNgram, DEFAULT_MAX_NGRAM, null,
                    DEFAULT_DRAFT_MIN_PROBABILITY, true);
            case "ngram" -> new SpeculationOptions(true, maxDraft, minNgram, DEFAULT_MAX_NGRAM, null,
                    DEFAULT_DRAFT_MIN_PROBABILITY, true);
            default -> throw new InvalidInputException("unknown speculative decoding method '" + method
                    + "' (expected ngram or off; a draft model is given with --model-draft)");
        };
    }

    /** Guesses by {@code model} (same vocabulary, not hybrid) instead of prompt lookup. */
    public SpeculationOptions withDraftModel(Model model) {
        return new SpeculationOptions(true, maxDraft, minNgram, maxNgram, model, draftMinProbability, pauseWhenSlower);
    }

    /** A draft model's guess it gives less than {@code p} ends the draft ({@code --draft-p-min}). */
    public SpeculationOptions withDraftMinProbability(double p) {
        return new SpeculationOptions(enabled, maxDraft, minNgram, maxNgram, draftModel, p, pauseWhenSlower);
    }

    /** Guess whenever the drafter can, however the passes' times compare ({@code --draft-always}). */
    public SpeculationOptions withoutPauses() {
        return new SpeculationOptions(enabled, maxDraft, minNgram, maxNgram, draftModel, draftMinProbability, false);
    }

    /** A guess length and pause keeper for one sequence around {@code drafter}. */
    public Speculator newSpeculator(Drafter drafter) {
        return new Speculator(drafter, maxDraft, pauseWhenSlower);
    }

    /**
     * The drafter, or empty when off. A draft model's drafter catches up on at most {@code maxCatchUp} tokens a call (a prompt
     * it has not seen over several calls, guessing nothing meanwhile). The batching scheduler shares one among its
     * sequences, since only one guesses at a time; a draft model's drafter then catches up from where the sequences
     * part (a shared system prompt stays).
     */
    public Optional<Drafter> newDrafter(int capacity, int maxCatchUp) {
        if (!enabled) {
            return Optional.empty();
        }
        return Optional.of(draftModel == null ? new PromptLookupDrafter(minNgram, maxNgram)
                : new DraftModelDrafter(draftModel, KvCacheType.F16, capacity, draftMinProbability, maxCatchUp));
    }
}
