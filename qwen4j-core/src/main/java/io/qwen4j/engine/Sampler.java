package io.qwen4j.engine;

import io.qwen4j.kernels.VectorOps;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Picks tokens for one request: a pipeline of named {@link SamplingStep}s built from its
 * {@link SamplingParams}, then a seeded draw (or argmax at temperature 0). Log-probabilities are always
 * those of the raw logits. Not thread-safe: one sampler per request.
 */
public final class Sampler {

    private final SamplingParams params;
    private final int vocabSize;
    private final List<SamplingStep> steps = new ArrayList<>();
    private final Candidates candidates;
    private final TokenHistory history;
    private final double[] probabilities;
    private final SplittableRandom random;
    private final long seed;
    /** Null for unconstrained requests, which then run exactly the unconstrained path. */
    private final TokenConstraint constraint;
    private final ConstrainedChoice constrained;

    public Sampler(SamplingParams params, int vocabSize) {
        this(params, vocabSize, null);
    }

    /**
     * A sampler whose choices {@code constraint} restricts (null = none): greedy takes the best allowed
     * token, sampling draws among the allowed survivors of the pipeline (renormalized), and when no
     * survivor is allowed, the best allowed token of the whole vocabulary is taken. Log-probabilities stay
     * those of the raw logits.
     */
    public Sampler(SamplingParams params, int vocabSize, TokenConstraint constraint) {
        this.constraint = constraint;
        this.constrained = constraint == null ? null : new ConstrainedChoice(constraint);
        this.params = params;
        this.vocabSize = vocabSize;
        this.candidates = new Candidates(vocabSize);
        this.history = new TokenHistory(vocabSize);
        this.probabilities = new double[vocabSize];
        this.seed = params.seed().orElseGet(() -> new SecureRandom().nextLong());
        this.random = new SplittableRandom(seed);
        if (!params.logitBias().isEmpty()) {
            int[] tokens = params.logitBias().keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
            float[] biases = new float[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                biases[i] = params.logitBias().get(tokens[i]);
            }
            steps.add(new SamplingStep.LogitBias(tokens, biases));
        }
        if (params.repetitionPenalty() != 1 || params.presencePenalty() != 0 || params.frequencyPenalty() != 0) {
            steps.add(new SamplingStep.Penalties(history, params.repetitionPenalty(), params.presencePenalty(),
                    params.frequencyPenalty()));
        }
        if (!params.isGreedy()) {
            steps.add(new SamplingStep.Temperature(params.temperature()));
            if (params.topK() > 0) {
                steps.add(new SamplingStep.TopK(params.topK()));
            }
            if (params.topP() < 1) {
                steps.add(new SamplingStep.TopP(params.topP(), probabilities));
            }
            if (params.minP() > 0) {
                steps.add(new SamplingStep.MinP(params.minP(), probabilities));
            }
        }
    }

    /** The names of the steps this request runs, in order (e.g. {@code [penalties, temperature, top-p]}). */
    public List<String> stepNames() {
        return steps.stream().map(SamplingStep::name).toList();
    }

    /** The seed in use (the given one, or a random one recorded for reproduction). */
    public long seed() {
        return seed;
    }

    /** Records prompt tokens (for the repetition penalty). */
    public void acceptPrompt(int[] prompt) {
        for (int token : prompt) {
            history.addPrompt(token);
        }
    }

    /** Records a token appended to the output, sampled or forced (for the penalties and the constraint). */
    public void accept(int token) {
        history.addOutput(token);
        if (constraint != null) {
            constraint.accept(token);
        }
    }

    /** Chooses the next token from {@code logits[offset, offset + vocabSize)}; does not record it. */
    public TokenChoice sample(float[] logits, int offset) {
        candidates.reset(logits, offset);
        for (SamplingStep step : steps) {
            step.apply(candidates);
        }
        int token;
        if (constraint == null) {
            token = params.isGreedy() ? argmax(candidates) : draw(candidates);
        } else {
            token = params.isGreedy() ? constrained.bestAllowed(candidates)
                    : constrained.drawAllowed(candidates, probabilities, random);
        }
        return describe(logits, offset, token);
    }

    /** The log-probability of {@code token} and the top alternatives, from the raw logits. */
    public TokenChoice describe(float[] logits, int offset, int token) {
        return logprobs(logits, offset, vocabSize, token, params.topLogprobs());
    }

    private static int argmax(Candidates c) {
        int best = c.ids[0];
        for (int i = 1; i < c.size; i++) {
            int id = c.ids[i];
            if (c.logits[id] > c.logits[best] || (c.logits[id] == c.logits[best] && id < best)) {
                best = id;
            }
        }
        return best;
    }

    private int draw(Candidates c) {
        c.probabilities(probabilities);
        return c.ids[ConstrainedChoice.pick(probabilities, c.size, random.nextDouble())];
    }

    /**
     * Log-softmax of raw logits at {@code token}, plus the {@code top} most likely tokens (ties by id); the
     * normaliser is a vectorised exp-sum (it ran over the whole vocabulary in scalar double, ~1 ms a token).
     */
    public static TokenChoice logprobs(float[] logits, int offset, int vocabSize, int token, int top) {
        float max = VectorOps.max(logits, offset, vocabSize);
        double logNormalizer = max + Math.log(VectorOps.sumExp(logits, offset, vocabSize, max));
        int[] best = new int[top];
        int found = 0;
        for (int i = 0; i < vocabSize && top > 0; i++) {
            float v = logits[offset + i];
            if (found < top || v > logits[offset + best[found - 1]]) {
                int j = Math.min(found, top - 1);
                while (j > 0 && v > logits[offset + best[j - 1]]) {
                    best[j] = best[j - 1];
                    j--;
                }
                best[j] = i;
                found = Math.min(found + 1, top);
            }
        }
        List<TokenChoice.TopLogprob> alternatives = new ArrayList<>(found);
        for (int i = 0; i < found; i++) {
            alternatives.add(new TokenChoice.TopLogprob(best[i], (float) (logits[offset + best[i]] - logNormalizer)));
        }
        return new TokenChoice(token, (float) (logits[offset + token] - logNormalizer), alternatives);
    }
}
