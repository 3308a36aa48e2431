package io.qwen4j.engine;

/**
 * One named stage of the sampling pipeline (logit bias → penalties → temperature → top-k → top-p → min-p), applied to
 * the candidates in order before the draw. Each stage is a small class so a reader can check it against its
 * definition, and a request only runs the stages its parameters switch on.
 */
interface SamplingStep {

    String name();

    void apply(Candidates candidates);

    /**
     * OpenAI's {@code logit_bias}: a fixed amount added to chosen tokens' logits, first, as llama.cpp's chain
     * does (so penalties and temperature see the biased logit). Ids past the vocabulary are ignored: the
     * request layer refuses them, and a library caller's ids for another model change nothing here.
     */
    record LogitBias(int[] tokens, float[] biases) implements SamplingStep {
        @Override
        public String name() {
            return "logit-bias";
        }

        @Override
        public void apply(Candidates c) {
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i] < c.logits.length) {
                    c.logits[tokens[i]] += biases[i];
                }
            }
        }
    }

    /** HF repetition penalty over prompt + output, then OpenAI presence/frequency over output tokens. */
    record Penalties(TokenHistory history, double repetition, double presence, double frequency) implements SamplingStep {
        @Override
        public String name() {
            return "penalties";
        }

        @Override
        public void apply(Candidates c) {
            for (int i = 0; i < history.distinctCount(); i++) {
                int token = history.distinct(i);
                float logit = c.logits[token];
                if (repetition != 1) {
                    logit = (float) (logit > 0 ? logit / repetition : logit * repetition);
                }
                int count = history.outputCount(token);
                if (count > 0) {
                    logit -= (float) (presence + frequency * count);
                }
                c.logits[token] = logit;
            }
        }
    }

    record Temperature(double temperature) implements SamplingStep {
        @Override
        public String name() {
            return "temperature";
        }

        @Override
        public void apply(Candidates c) {
            float inv = (float) (1 / temperature);
            for (int i = 0; i < c.size; i++) {
                c.logits[c.ids[i]] *= inv;
            }
        }
    }

    /** Keeps the {@code k} highest logits. */
    record TopK(int k) implements SamplingStep {
        @Override
        public String name() {
            return "top-k";
        }

        @Override
        public void apply(Candidates c) {
            c.keepTop(k);
        }
    }

    /** Nucleus: the smallest set of best tokens whose probabilities sum to at least {@code p}. */
    record TopP(double p, double[] scratch) implements SamplingStep {
        @Override
        public String name() {
            return "top-p";
        }

        @Override
        public void apply(Candidates c) {
            c.sort();
            c.probabilities(scratch);
            double before = 0;
            int keep = 0;
            while (keep < c.size && before < p) {
                before += scratch[keep++];
            }
            c.size = Math.max(keep, 1);
        }
    }

    /** Drops tokens whose probability is below {@code minP} times the best token's. */
    record MinP(double minP, double[] scratch) implements SamplingStep {
        @Override
        public String name() {
            return "min-p";
        }

        @Override
        public void apply(Candidates c) {
            c.sort();
            c.probabilities(scratch);
            double threshold = minP * scratch[0];
            int keep = 1;
            while (keep < c.size && scratch[keep] >= threshold) {
                keep++;
            }
            c.size = keep;
        }
    }
}
