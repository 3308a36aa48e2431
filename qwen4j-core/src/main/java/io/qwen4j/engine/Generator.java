package io.qwen4j.engine;

import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.Model;

/**
 * Runs generation requests for one sequence at a time on a model: prompt ids in, a {@link Generation}
 * (a pull stream of {@link GenerationStep}s) out. Batched serving of many sequences composes
 * {@link io.qwen4j.model.ForwardBatch}es itself; this is the single-stream path (CLI generate/chat).
 */
public final class Generator {

    private final Model model;
    private final SpeculationOptions speculation;

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
        return new Generation(model, cache, decoder, speculation.newSpeculator(cache.capacity()).orElse(null));
    }
}
