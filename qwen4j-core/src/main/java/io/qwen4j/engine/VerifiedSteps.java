package io.qwen4j.engine;

import java.util.List;

/**
 * What {@link SequenceDecoder#chooseVerifying} chose from one pass: its steps (one, several when guesses were right,
 * none when a hook stopped generation) and how many of the pass's guesses were right.
 */
public record VerifiedSteps(List<GenerationStep> steps, int acceptedDrafts) {
}
