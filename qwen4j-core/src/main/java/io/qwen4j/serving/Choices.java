package io.qwen4j.serving;

import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.engine.VerifiedSteps;
import io.qwen4j.model.Logits;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The next token of every sequence of a step, chosen side by side. Choosing costs a few passes over the
 * vocabulary per sequence (log-softmax for logprobs, the sampling pipeline): about a millisecond each at
 * Qwen's 152k tokens, which at 8 streams would be a sizeable serial tail after every forward pass. Each
 * sequence's decoder, sampler and hooks are its own and are used by one thread at a time, so the choices
 * run in parallel; the listeners are still called on the engine thread, in order.
 *
 * <p>A hook or constraint that throws fails only its own sequence.
 */
final class Choices {

    /**
     * What one sequence got: its steps (one, several when guesses were right, none when a hook stopped it) and how many
     * guesses were right, or the error its choice raised.
     */
    record Choice(List<GenerationStep> steps, int acceptedDrafts, RuntimeException error) {
    }

    private Choices() {
    }

    /**
     * {@code choices[i]} for {@code decoders[i]}, whose rows are those of sequence {@code rows[i]} of the logits (one,
     * or one more than its guesses {@code drafts[i]}); null where a decoder is not ready (mid-prefill).
     */
    static Choice[] choose(List<SequenceDecoder> decoders, List<int[]> drafts, int[] rows, Logits logits) {
        Choice[] choices = new Choice[decoders.size()];
        IntStream indices = IntStream.range(0, decoders.size());
        long ready = decoders.stream().filter(SequenceDecoder::readyToChoose).count();
        (ready > 1 ? indices.parallel() : indices).forEach(i -> {
            SequenceDecoder decoder = decoders.get(i);
            if (decoder.readyToChoose()) {
                try {
                    VerifiedSteps verified = decoder.chooseVerifying(drafts.get(i), logits.data(),
                            row -> logits.offset(rows[i], row));
                    choices[i] = new Choice(verified.steps(), verified.acceptedDrafts(), null);
                } catch (RuntimeException e) {
                    choices[i] = new Choice(List.of(), 0, e);
                }
            }
        });
        return choices;
    }
}
