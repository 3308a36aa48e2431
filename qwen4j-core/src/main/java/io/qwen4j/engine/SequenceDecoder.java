package io.qwen4j.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

/**
 * The per-token logic of one request, independent of who runs the model: which tokens the model has not
 * seen yet, and, given the logits of the newest one, the next {@link GenerationStep} (a queued forced
 * token, a hook's decision, or the sampler's choice) or the end. The single-stream {@link Generation} and
 * the batching scheduler both drive requests through this class, so the two cannot disagree.
 *
 * <p>The protocol: feed {@link #tokensToFeed} (all of them, or a prefill chunk) at position
 * {@link #computedTokens}, call {@link #markComputed}, and once {@link #readyToChoose} call {@link #choose}
 * with the logits of the last fed token. A preempted or prefix-cached sequence moves its computed mark with
 * {@link #resetComputed}; the sampler's state is untouched, so a recomputed sequence continues exactly as
 * if it had never been interrupted.
 *
 * <p>Ends with {@link FinishReason#STOP} on a stop token (returned as the last step, so callers see its
 * log-probability) or a hook's stop, and with {@link FinishReason#LENGTH} at {@code maxTokens} or when the
 * next token would not fit the context.
 */
public final class SequenceDecoder implements StepHook.GenerationState {

    private final GenerationRequest request;
    private final Sampler sampler;
    private final int promptLength;
    private final int contextLength;
    /** Prompt then output. */
    private int[] tokens;
    private int tokenCount;
    /** Tokens whose keys and values are in the cache (a prefix of {@link #tokens}). */
    private int computed;
    private int[] forcedQueue = new int[0];
    private int forcedNext;
    private FinishReason finishReason;
    private long draftedTokens;
    private long acceptedDrafts;

    public SequenceDecoder(int[] prompt, GenerationRequest request, Sampler sampler, int contextLength) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        this.request = request;
        this.sampler = sampler;
        this.promptLength = prompt.length;
        this.contextLength = contextLength;
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(request.maxTokens(), 64) + 1);
        this.tokenCount = prompt.length;
        sampler.acceptPrompt(prompt);
        if (request.maxTokens() == 0) {
            finishReason = FinishReason.LENGTH;
        }
    }

    public GenerationRequest request() {
        return request;
    }

    public long seed() {
        return sampler.seed();
    }

    public boolean isFinished() {
        return finishReason != null;
    }

    /** Empty while running. */
    public Optional<FinishReason> finishReason() {
        return Optional.ofNullable(finishReason);
    }

    /** Prompt plus output tokens so far. */
    public int tokenCount() {
        return tokenCount;
    }

    /** Token {@code index} of prompt + output. */
    public int token(int index) {
        if (index < 0 || index >= tokenCount) {
            throw new IndexOutOfBoundsException(index);
        }
        return tokens[index];
    }

    /** Tokens {@code [from, to)} of prompt + output. */
    public int[] tokens(int from, int to) {
        if (from < 0 || to > tokenCount || from > to) {
            throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + tokenCount);
        }
        return Arrays.copyOfRange(tokens, from, to);
    }

    /** Tokens in the cache; the next fed token sits at this position. */
    public int computedTokens() {
        return computed;
    }

    /** Tokens the model still has to see before the next choice (0 when finished). */
    public int uncomputedTokens() {
        return finishReason == null ? tokenCount - computed : 0;
    }

    /** The next at most {@code max} unseen tokens, starting at position {@link #computedTokens}. */
    public int[] tokensToFeed(int max) {
        return Arrays.copyOfRange(tokens, computed, computed + Math.min(max, uncomputedTokens()));
    }

    /** {@code count} more tokens are now in the cache. */
    public void markComputed(int count) {
        if (count < 0 || computed + count > tokenCount) {
            throw new IllegalStateException(count + " tokens computed past the " + tokenCount + " known");
        }
        computed += count;
    }

    /**
     * The cache now holds only the first {@code count} tokens: 0 after preemption, or a cached prefix.
     * The last token is always recomputed, because its logits choose the next step.
     */
    public void resetComputed(int count) {
        if (count < 0 || count >= tokenCount) {
            throw new IllegalArgumentException("cannot keep " + count + " of " + tokenCount + " tokens computed");
        }
        computed = count;
    }

    /** Every known token is in the cache and the last one's logits are needed. */
    public boolean readyToChoose() {
        return finishReason == null && computed == tokenCount;
    }

    /**
     * The next step from the logits of the last token ({@code logits[offset, offset + vocab)}): queued
     * forced tokens first, then the hooks in order, then the sampler. Empty when a hook stopped generation.
     */
    public Optional<GenerationStep> choose(float[] logits, int offset) {
        if (!readyToChoose()) {
            throw new IllegalStateException(finishReason != null ? "generation finished: " + finishReason
                    : (tokenCount - computed) + " tokens are not computed yet");
        }
        if (forcedNext < forcedQueue.length) {
            return Optional.of(append(sampler.describe(logits, offset, forcedQueue[forcedNext++]), true));
        }
        for (StepHook hook : request.hooks()) {
            switch (hook.beforeNextToken(this)) {
                case StepHook.Stop stop -> {
                    finishReason = FinishReason.STOP;
                    return Optional.empty();
                }
                case StepHook.Force force -> {
                    forcedQueue = force.tokens();
                    forcedNext = 1;
                    return Optional.of(append(sampler.describe(logits, offset, forcedQueue[0]), true));
                }
                case StepHook.Continue ignored -> {
                }
            }
        }
        return Optional.of(append(sampler.sample(logits, offset), false));
    }

    /**
     * Speculative decoding's check of guessed tokens. The caller fed the uncomputed tokens followed by
     * {@code drafts}, with logits for the last of them and for each guess (row {@code i} at
     * {@code rowOffset.applyAsInt(i)}: row 0 after the last known token, row {@code i} after guess {@code i - 1}), and
     * marked the known ones computed. Steps are chosen one by one exactly as {@link #choose}
     * chooses them (same hooks, same sampler draws), and the next one is chosen from the next row only while each
     * choice equals the draft token fed after it, whose keys and values the pass has already computed; so the steps
     * are the ones plain decoding would have produced, and a seeded sampler draws the same tokens. The keys and
     * values of rejected drafts stay in the cache past {@link #computedTokens}, to be overwritten.
     *
     * @return at least one step unless a hook stopped generation, at most {@code drafts.length + 1}, and the number of
     *         right guesses
     */
    public VerifiedSteps chooseVerifying(int[] drafts, float[] logits, IntUnaryOperator rowOffset) {
        List<GenerationStep> steps = new ArrayList<>(drafts.length + 1);
        draftedTokens += drafts.length;
        int accepted = 0;
        for (int i = 0; ; i++) {
            Optional<GenerationStep> step = choose(logits, rowOffset.applyAsInt(i));
            if (step.isEmpty()) {
                break;
            }
            steps.add(step.get());
            if (i == drafts.length || step.get().token() != drafts[i]) {
                break;
            }
            accepted++;
            if (isFinished()) {
                break;
            }
            markComputed(1); // the draft was right: its keys and values are already in the cache
        }
        acceptedDrafts += accepted;
        return new VerifiedSteps(steps, accepted);
    }

    /**
     * Guessed tokens worth feeding after the known ones: none past the context or past the last token the request may
     * still produce, whose row would choose a token never used.
     */
    public int draftRoom() {
        int beforeLimit = request.maxTokens() - outputLength() - 1;
        return Math.max(0, Math.min(beforeLimit, contextLength - tokenCount));
    }

    /** Guessed tokens {@link #chooseVerifying} checked, and how many of them it took. */
    public long draftedTokens() {
        return draftedTokens;
    }

    public long acceptedDrafts() {
        return acceptedDrafts;
    }

    private GenerationStep append(TokenChoice choice, boolean forced) {
        int token = choice.token();
        if (tokenCount == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[tokenCount++] = token;
        sampler.accept(token);
        if (request.stopTokenIds().contains(token)) {
            finishReason = FinishReason.STOP;
        } else if (outputLength() >= request.maxTokens() || computed >= contextLength) {
            // The new token would need position `computed`, which the context cannot hold.
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

    @Override
    public int promptLength() {
        return promptLength;
    }

    @Override
    public int outputLength() {
        return tokenCount - promptLength;
    }

    @Override
    public int outputToken(int index) {
        if (index < 0 || index >= outputLength()) {
            throw new IndexOutOfBoundsException(index);
        }
        return tokens[promptLength + index];
    }

    public int[] outputTokens() {
        return Arrays.copyOfRange(tokens, promptLength, tokenCount);
    }
}
