package io.qwen4j.engine;

import io.qwen4j.engine.speculative.Drafter;
import io.qwen4j.engine.speculative.GuessCheckpoint;
import io.qwen4j.engine.speculative.Speculator;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One running request on its own cache, as a pull stream: each {@link #next} feeds what the model has
 * not seen (the prompt the first time, then the previous token) and lets the {@link SequenceDecoder}
 * choose. Tokens are fed lazily, so a step is returned as soon as it is chosen and no forward pass is
 * spent after the last one. The token-by-token rules (hooks, forced tokens, stop ids, limits) live in
 * {@link SequenceDecoder}, shared with the batching scheduler. With a {@link Speculator}, a pass that feeds one token
 * also checks the drafter's guesses of the tokens after it, and may yield several steps.
 */
public final class Generation implements Iterator<GenerationStep>, StepHook.GenerationState {

    private final Model model;
    private final KvCache cache;
    private final SequenceDecoder decoder;
    /** Guesses tokens to check in each decode pass, or null. */
    private final Speculator speculator;
    /** Steps chosen by the last pass and not yet pulled (several when drafts were right). */
    private final Deque<GenerationStep> chosen = new ArrayDeque<>();
    private GenerationStep buffered;
    private long forwardPasses;

    Generation(Model model, KvCache cache, SequenceDecoder decoder, Speculator speculator) {
        this.model = model;
        this.cache = cache;
        this.decoder = decoder;
        this.speculator = speculator;
    }

    @Override
    public boolean hasNext() {
        if (buffered == null) {
            buffered = !chosen.isEmpty() ? chosen.poll() : decoder.isFinished() ? null : advance();
        }
        return buffered != null;
    }

    @Override
    public GenerationStep next() {
        if (!hasNext()) {
            throw new NoSuchElementException("generation finished: " + decoder.finishReason().orElseThrow());
        }
        GenerationStep step = buffered;
        buffered = null;
        return step;
    }

    /** Pulls every remaining step. */
    public List<GenerationStep> drain(Consumer<GenerationStep> onStep) {
        List<GenerationStep> steps = new ArrayList<>();
        while (hasNext()) {
            GenerationStep step = next();
            onStep.accept(step);
            steps.add(step);
        }
        return steps;
    }

    /** Empty while running. */
    public Optional<FinishReason> finishReason() {
        return decoder.finishReason();
    }

    public long seed() {
        return decoder.seed();
    }

    @Override
    public int promptLength() {
        return decoder.promptLength();
    }

    @Override
    public int outputLength() {
        return decoder.outputLength();
    }

    @Override
    public int outputToken(int index) {
        return decoder.outputToken(index);
    }

    public int[] outputTokens() {
        return decoder.outputTokens();
    }

    /**
     * The tokens whose keys and values (and a hybrid's recurrent state) the cache holds, prompt first: every token but
     * the last, as lazy feeding leaves them, or fewer when a turn was cut short right after wrong guesses were taken
     * back. A chat's next turn reuses this prefix.
     */
    public int[] cachedTokens() {
        return decoder.tokens(0, decoder.computedTokens());
    }

    /** Forward passes run so far. */
    public long forwardPasses() {
        return forwardPasses;
    }

    /** Guessed tokens checked so far. */
    public long draftedTokens() {
        return decoder.draftedTokens();
    }

    /** Guessed tokens that were right: each a step without a pass of its own. */
    public long acceptedDrafts() {
        return decoder.acceptedDrafts();
    }

    /** The next step, or null when the decoder finished. */
    private GenerationStep advance() {
        int start = decoder.computedTokens();
        int[] feed = decoder.tokensToFeed(Integer.MAX_VALUE);
        long began = System.nanoTime();
        int[] drafts = speculator != null ? speculator.draft(decoder, decoder.draftRoom()) : Drafter.NONE;
        GuessCheckpoint checkpoint = drafts.length > 0 ? GuessCheckpoint.before(model, cache, start) : null;
        if (checkpoint == null) {
            drafts = Drafter.NONE;
        }
        Logits logits = model.forward(ForwardBatch.of(ForwardBatch.Sequence.verifying(feed, drafts, start, cache)));
        forwardPasses++;
        decoder.markComputed(feed.length);
        VerifiedSteps verified = decoder.chooseVerifying(drafts, logits.data(), row -> logits.offset(0, row));
        if (speculator != null) {
            speculator.checked(drafts.length, verified.acceptedDrafts());
            if (feed.length == 1) {
                speculator.timed(verified.steps().size(), System.nanoTime() - began);
            }
        }
        if (checkpoint != null && checkpoint.takeBack(model, cache, decoder, drafts.length, verified.acceptedDrafts())
                && decoder.isFinished()) {
            catchUpFinished(); // else the next pass feeds the right tokens again with the new one
        }
        chosen.addAll(verified.steps());
        return chosen.poll();
    }

    /**
     * A finished sequence holds its tokens but the last in the cache, as lazy feeding leaves it (a chat's next turn
     * continues from there): a hybrid taken back to the state before its last pass feeds the rest again.
     */
    private void catchUpFinished() {
        int start = decoder.computedTokens();
        int end = decoder.tokenCount() - 1;
        if (end > start) {
            model.forward(ForwardBatch.of(new ForwardBatch.Sequence(decoder.tokens(start, end), start, cache)));
            forwardPasses++;
            decoder.markComputed(end - start);
        }
    }

}
