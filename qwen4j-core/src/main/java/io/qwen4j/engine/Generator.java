package io.qwen4j.engine;

import io.qwen4j.engine.speculative.Drafter;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.engine.speculative.Speculator;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.Model;

/**
 * Runs generation requests for one sequence at a time on a model: prompt ids in, a {@link Generation}
 * (a pull stream of {@link GenerationStep}s) out. Batched serving of many sequences composes
 * {@link io.qwen4j.model.ForwardBatch}es itself; this is the single-stream path (CLI generate/chat). One request at a
 * time: a speculating generator's drafter is its requests' in turn.
 */
public final class Generator {

    private final Model model;
    private final SpeculationOptions speculation;
    /**
     * Guesses for this generator's requests, made at the first one and kept: a draft model's cache then still holds a
     * chat's conversation at the next turn, which it would otherwise have to read again whole.
     */
    private Drafter drafter;
    private int drafterCapacity;

    public Generator(Model model) {
        this(model, SpeculationOptions.OFF);
    }

    /** Decodes speculatively as {@code speculation} says (the output is the same; the forward passes fewer). */
    public Generator(Model model, SpeculationOptions speculation) {
        this.model = model;
        this.speculation = speculation;
    }

    public Model model() {
        return model;
    }

    /**
     * Starts a request on an empty {@code cache}. Fails at once with a {@link ContextOverflowException}
     * when the prompt does not fit. Nothing is computed until the first step is pulled.
     */
    public Generation start(int[] prompt, KvCache cache, GenerationRequest request) {
        return resume(prompt, 0, cache, request);
    }

    /**
     * Starts a request on a cache whose first {@code cachedPrefix} positions already hold
     * {@code prompt[0, cachedPrefix)} (an earlier turn of the same conversation): only the rest of the prompt
     * is prefilled. At least one prompt token must be new, since the first step needs its logits.
     */
    public Generation resume(int[] prompt, int cachedPrefix, KvCache cache, GenerationRequest request) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length > cache.capacity()) {
            throw new ContextOverflowException("prompt", prompt.length, cache.capacity());
        }
        if (cachedPrefix < 0 || cachedPrefix >= prompt.length) {
            throw new IllegalArgumentException("cached prefix " + cachedPrefix + " must be in [0, " + prompt.length + ")");
        }
        Sampler sampler = new Sampler(request.sampling(), model.config().vocabSize(), request.constraint());
        SequenceDecoder decoder = new SequenceDecoder(prompt, request, sampler, cache.capacity());
        decoder.markComputed(cachedPrefix); // those positions are already in the cache
        return new Generation(model, cache, decoder, speculator(cache.capacity()));
    }

    /** A fresh guess length around the kept drafter (made again for a longer context), or null when not speculating. */
    private Speculator speculator(int capacity) {
        if (!speculation.enabled()) {
            return null;
        }
        if (drafter == null || drafterCapacity < capacity) {
            drafter = speculation.newDrafter(capacity, Integer.MAX_VALUE).orElseThrow();
            drafterCapacity = capacity;
        }
        return speculation.newSpeculator(drafter);
    }
}
