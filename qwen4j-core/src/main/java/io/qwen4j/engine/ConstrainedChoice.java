package io.qwen4j.engine;

import java.util.SplittableRandom;

/**
 * Picks tokens under a {@link TokenConstraint}, asking it as little as possible: candidates are tried in
 * the order the unconstrained sampler would favour them, so the common case (the model already wants an
 * allowed token) costs a few {@code allows} calls. Only when none of the best few is allowed does it scan
 * the vocabulary, asking about tokens that would beat the best allowed one found so far.
 */
final class ConstrainedChoice {
    /** How many best tokens one linear pass collects before falling back to sorting the vocabulary. */
    private static final int FIRST_ROUND = 64;
    /** Draws from the unconstrained distribution before filtering the candidates exactly. */
    private static final int REJECTION_DRAWS = 8;

    private final TokenConstraint constraint;
    private final int[] best = new int[FIRST_ROUND];

    ConstrainedChoice(TokenConstraint constraint) {
        this.constraint = constraint;
    }

    /**
     * The allowed token with the highest adjusted logit over the whole vocabulary (ties: lower id): first
     * the best few in descending order, then, if none of them is allowed, one scan of the vocabulary.
     *
     * @throws IllegalStateException when the constraint allows no token at all
     */
    int bestAllowed(Candidates c) {
        float[] logits = c.logits;
        // 1. one pass collects the FIRST_ROUND best tokens, kept sorted (descending logit, ascending id)
        int found = 0;
        for (int id = 0; id < logits.length; id++) {
            float v = logits[id];
            if (found == FIRST_ROUND && !(v > logits[best[found - 1]])) {
                continue;
            }
            int j = Math.min(found, FIRST_ROUND - 1);
            while (j > 0 && v > logits[best[j - 1]]) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = id;
            found = Math.min(found + 1, FIRST_ROUND);
        }
        for (int i = 0; i < found; i++) {
            if (constraint.allows(best[i])) {
                return best[i];
            }
        }
        // 2. one scan of the vocabulary, asking only about tokens that would beat the best allowed so far;
        //    the constraint refuses most of them by their first byte, so this beats sorting 150k logits.
        int bestId = -1;
        for (int id = 0; id < logits.length; id++) {
            if ((bestId < 0 || logits[id] > logits[bestId]) && constraint.allows(id)) {
                bestId = id;
            }
        }
        if (bestId >= 0) {
            return bestId;
        }
        throw new IllegalStateException("the output constraint allows no token of the vocabulary here");
    }

    /**
     * A draw among the allowed candidates, with probabilities renormalized over them (the conditional
     * distribution). First a few draws from the unconstrained distribution, kept if allowed (exact
     * rejection sampling, cheap when the model mostly agrees), then exact filtering; when no candidate is
     * allowed, the best allowed token of the vocabulary.
     */
    int drawAllowed(Candidates c, double[] probabilities, SplittableRandom random) {
        c.probabilities(probabilities);
        for (int attempt = 0; attempt < REJECTION_DRAWS; attempt++) {
            int token = c.ids[pick(probabilities, c.size, random.nextDouble())];
            if (constraint.allows(token)) {
                return token;
            }
        }
        int kept = 0;
        for (int i = 0; i < c.size; i++) {
            if (constraint.allows(c.ids[i])) {
                c.ids[kept++] = c.ids[i];
            }
        }
        if (kept == 0) {
            return bestAllowed(c);
        }
        c.size = kept;
        c.probabilities(probabilities);
        return c.ids[pick(probabilities, kept, random.nextDouble())];
    }

    /** The index where the cumulative probability first exceeds {@code u}. */
    static int pick(double[] probabilities, int size, double u) {
        double cumulative = 0;
        for (int i = 0; i < size; i++) {
            cumulative += probabilities[i];
            if (u < cumulative) {
                return i;
            }
        }
        return size - 1; // rounding left u above the last cumulative sum
    }
}
