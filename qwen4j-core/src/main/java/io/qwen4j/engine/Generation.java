package io.qwen4j.engine;

import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.KvCache;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One running request: each {@link #next} feeds the previous token (or the prompt, the first time),
 * consults the hooks, then samples or takes a forced token. Tokens are fed lazily, so a step is returned
 * as soon as it is chosen and no forward pass is spent after the last one.
 *
 * <p>Ends with {@link FinishReason#STOP} on a stop token (which is returned as the last step, so callers
 * see its log-probability; the text layer drops it) or a hook's stop, and with {@link FinishReason#LENGTH}
 * at {@code maxTokens} or when the context is full.
 */
public final class Generation implements Iterator<GenerationStep>, StepHook.GenerationState {

    private final Model model;
    private final KvCache cache;
    private final int[] prompt;
    private final GenerationRequest request;
    private final Sampler sampler;
    private int[] output = new int[64];
    private int outputLength;
    /** Tokens in the cache. */
    private int cached;
    private boolean prefilled;
    /** The last output token, not yet fed to the model, or -1. */
    private int pending = -1;
    private int[] forcedQueue = new int[0];
    private int forcedNext;
    private Logits logits;
    private GenerationStep buffered;
    private FinishReason finishReason;

    Generation(Model model, KvCache cache, int[] prompt, int cachedPrefix, GenerationRequest request, Sampler sampler) {
        this.model = model;
        this.cached = cachedPrefix;
        this.cache = cache;
        this.prompt = prompt.clone();
        this.request = request;
        this.sampler = sampler;
        sampler.acceptPrompt(prompt);
        if (request.maxTokens() == 0) {
            finishReason = FinishReason.LENGTH;
        }
    }

    @Override
    public boolean hasNext() {
        if (buffered == null && finishReason == null) {
            buffered = advance();
        }
        return buffered != null;
    }

    @Override
    public GenerationStep next() {
        if (!hasNext()) {
            throw new NoSuchElementException("generation finished: " + finishReason);
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
        return Optional.ofNullable(finishReason);
    }

    public long seed() {
        return sampler.seed();
    }

    @Override
    public int promptLength() {
        return prompt.length;
    }

    @Override
    public int outputLength() {
        return outputLength;
    }

    @Override
    public int outputToken(int index) {
        if (index < 0 || index >= outputLength) {
            throw new IndexOutOfBoundsException(index);
        }
        return output[index];
    }

    public int[] outputTokens() {
        return Arrays.copyOf(output, outputLength);
    }

    /** The next step, or null with {@link #finishReason} set. */
    private GenerationStep advance() {
        // 1. feed what the model has not seen: the prompt first, then the previous token
        if (!prefilled) {
            int[] fresh = Arrays.copyOfRange(prompt, cached, prompt.length);
            logits = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(fresh, cached, cache)));
            cached = prompt.length;
            prefilled = true;
        } else if (pending >= 0) {
            logits = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {pending}, cached, cache)));
            cached++;
            pending = -1;
        }
        int offset = logits.lastOffset(0);
        // 2. forced tokens already queued go first; otherwise the hooks decide
        if (forcedNext < forcedQueue.length) {
            return append(sampler.describe(logits.data(), offset, forcedQueue[forcedNext++]), true);
        }
        for (StepHook hook : request.hooks()) {
            switch (hook.beforeNextToken(this)) {
                case StepHook.Stop stop -> {
                    finishReason = FinishReason.STOP;
                    return null;
                }
                case StepHook.Force force -> {
                    forcedQueue = force.tokens();
                    forcedNext = 1;
                    return append(sampler.describe(logits.data(), offset, forcedQueue[0]), true);
                }
                case StepHook.Continue ignored -> {
                }
            }
        }
        // 3. sample
        return append(sampler.sample(logits.data(), offset), false);
    }

    private GenerationStep append(TokenChoice choice, boolean forced) {
        int token = choice.token();
        if (outputLength == output.length) {
            output = Arrays.copyOf(output, output.length * 2);
        }
        output[outputLength++] = token;
        sampler.accept(token);
        pending = token;
        if (request.stopTokenIds().contains(token)) {
            finishReason = FinishReason.STOP;
        } else if (outputLength >= request.maxTokens() || cached >= cache.capacity()) {
            // The new token would need position `cached`, which the cache cannot hold.
            finishReason = FinishReason.LENGTH;
            // A stop string completed by this last token still ends the output as "stop" (OpenAI).
            for (StepHook hook : request.hooks()) {
                if (hook.beforeNextToken(this) instanceof StepHook.Stop) {
                    finishReason = FinishReason.STOP;
                    break;
                }
            }
        }
        return GenerationStep.of(choice, forced);
    }
}
