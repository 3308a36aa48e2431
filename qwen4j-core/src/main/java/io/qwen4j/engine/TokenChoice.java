package io.qwen4j.engine;

import java.util.List;

/**
 * A chosen token with its log-probability and the most likely alternatives, all from the log-softmax of the
 * model's raw logits (before penalties, temperature and truncation), as OpenAI's {@code logprobs} reports.
 */
public record TokenChoice(int token, float logprob, List<TopLogprob> topLogprobs) {

    public record TopLogprob(int token, float logprob) {
    }

    public TokenChoice {
        topLogprobs = List.copyOf(topLogprobs);
    }
}
