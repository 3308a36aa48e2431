package io.qwen4j.engine.speculative;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import java.util.Arrays;

/**
 * Drafting with a smaller model of the same family and vocabulary (Qwen3-0.6B for Qwen3-8B, as llama.cpp's
 * {@code --model-draft} and vLLM's draft models do): it keeps its own KV cache of the last sequence it drafted for,
 * catches up on the tokens it has not seen (the prompt, the target's last step, whatever replaced its rejected guesses) and decodes
 * greedily while it is confident: a guess whose probability under the draft model is below {@code minProbability}
 * ends the draft, since an unlikely guess is likely wrong and costs the target a row.
 */
public final class DraftModelDrafter implements Drafter {

    private final Model draft;
    private final ContiguousKvCache cache;
    private final double minProbability;
    /** Tokens fed at most per call to catch up; past that the call guesses nothing and the next goes on. */
    private final int maxCatchUp;
    /** The tokens whose keys and values the draft cache holds at positions 0, 1, ... */
    private int[] seen = new int[64];
    private int seenCount;

    /** A drafter for sequences of at most {@code capacity} positions, catching up on all unseen tokens at once. */
    public DraftModelDrafter(Model draft, KvCacheType cacheType, int capacity, double minProbability) {
        this(draft, cacheType, capacity, minProbability, Integer.MAX_VALUE);
    }

    /** As above, feeding at most {@code maxCatchUp} unseen tokens per call (the scheduler's steps stay short). */
    public DraftModelDrafter(Model draft, KvCacheType cacheType, int capacity, double minProbability, int maxCatchUp) {
        if (draft.config().isHybrid()) {
            throw new InvalidInputException("a draft model must not be hybrid (linear attention)");
        }
        this.draft = draft;
        this.cache = ContiguousKvCache.forContext(draft.config(), cacheType,
                Math.min(capacity, draft.config().contextLength()));
        this.minProbability = minProbability;
        if (maxCatchUp < 1) {
            throw new IllegalArgumentException("max catch-up must be >= 1, got " + maxCatchUp);
        }
        this.maxCatchUp = maxCatchUp;
    }

    @Override
    public int[] draft(SequenceDecoder sequence, int max) {
        int count = sequence.tokenCount();
        if (max < 1 || count + max > cache.capacity()) {
            return NONE;
        }
        int vocab = draft.config().vocabSize();
        int common = 0;
        while (common < seenCount && common < count && seen[common] == sequence.token(common)) {
            common++;
        }
        if (common == count) {
            common--; // the newest token's logits are needed again
        }
        int[] feed = sequence.tokens(common, common + Math.min(maxCatchUp, count - common));
        for (int token : feed) {
            if (token >= vocab) {
                return NONE; // an id the draft model does not have (a larger model's padded vocabulary)
            }
        }
        if (common + feed.length < count) { // more to catch up on than one call feeds
            draft.forward(ForwardBatch.of(new ForwardBatch.Sequence(feed, common, cache)));
            seenCount = common;
            remember(feed);
            return NONE;
        }
        int[] drafts = new int[max];
        int n = 0;
        int position = common;
        seenCount = common;
        while (true) {
            Logits logits = draft.forward(ForwardBatch.of(new ForwardBatch.Sequence(feed, position, cache)));
            remember(feed);
            position += feed.length;
            int best = argmax(logits.data(), logits.lastOffset(0), vocab);
            if (minProbability > 0 && probability(logits.data(), logits.lastOffset(0), vocab, best) < minProbability) {
                break;
            }
            drafts[n++] = best;
            if (n == max) {
                break;
            }
            feed = new int[] {best};
        }
        return n == max ? drafts : Arrays.copyOf(drafts, n);
    }

    private void remember(int[] tokens) {
        if (seenCount + tokens.length > seen.length) {
            seen = Arrays.copyOf(seen, Math.max(seen.length * 2, seenCount + tokens.length));
        }
        System.arraycopy(tokens, 0, seen, seenCount, tokens.length);
        seenCount += tokens.length;
    }

    private static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /** softmax(logits)[token] for the maximum {@code token}: 1 / sum exp(l_i - l_token), through the vector exp. */
    private static double probability(float[] logits, int offset, int vocab, int token) {
        return 1 / VectorOps.sumExp(logits, offset, vocab, logits[offset + token]);
    }
}
