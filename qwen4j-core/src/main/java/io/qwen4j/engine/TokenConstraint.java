package io.qwen4j.engine;

/**
 * Restricts which tokens may come next (constrained decoding, e.g. a forced tool call whose arguments
 * must be valid JSON for the tool's schema). The sampler asks {@link #allows} about candidates in its
 * usual order and picks the best allowed one; every token appended to the output, sampled or forced, is
 * then reported through {@link #accept}. One instance per request: it keeps the parse state.
 */
public interface TokenConstraint {

    /** Whether appending {@code token} keeps the output a valid prefix of the constrained language. */
    boolean allows(int token);

    /** Records a token appended to the output. */
    void accept(int token);
}
