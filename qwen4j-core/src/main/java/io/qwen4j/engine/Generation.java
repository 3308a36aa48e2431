package io.qwen4j.engine;

import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import java.util.ArrayList;
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
 * {@link SequenceDecoder}, shared with the batching scheduler.
 */
public final class Generation implements Iterator<GenerationStep>, StepHook.GenerationState {

    private final Model model;
    private final KvCache cache;
    private final SequenceDecoder decoder;
    private GenerationStep buffered;

    Generation(Model model, KvCache cache, SequenceDecoder decoder) {
        this.model = model;
        this.cache = cache;
        this.decoder = decoder;
    }

    @Override
    public boolean hasNext() {
        if (buffered == null && !decoder.isFinished()) {
            buffered = advance();
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

    /** The next step, or null when the decoder finished. */
    private GenerationStep advance() {
        int start = decoder.computedTokens();
        int[] feed = decoder.tokensToFeed(Integer.MAX_VALUE);
        Logits logits = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(feed, start, cache)));
        decoder.markComputed(feed.length);
        return decoder.choose(logits.data(), logits.lastOffset(0)).orElse(null);
    }
}
