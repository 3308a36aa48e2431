package io.qwen4j.engine;

/** Why generation ended, in OpenAI's vocabulary ({@code "stop"}, {@code "length"}). */
public enum FinishReason {
    /** An end-of-sequence token, a stop string, or a hook asked to stop. */
    STOP("stop"),
    /** {@code max_tokens} reached, or the context is full. */
    LENGTH("length");

    public final String openAiName;

    FinishReason(String openAiName) {
        this.openAiName = openAiName;
    }
}
