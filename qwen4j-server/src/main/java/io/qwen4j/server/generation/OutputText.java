package io.qwen4j.server.generation;

import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.TokenChoice;
import io.qwen4j.tokenizer.StreamingDecoder;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One choice's generated tokens turned into the text a client sees: whole UTF-8 characters only, the
 * end-of-turn token left out, cut at a stop string. Also counts tokens and keeps per-token log-probabilities.
 */
public final class OutputText {

    /** One token's log-probability and the alternatives, as decoded text and raw bytes. */
    public record TokenLogprob(String token, byte[] bytes, float logprob, List<TokenLogprob> top) {
    }

    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;
    private final StreamingDecoder decoder;
    private final StopCutter cutter;
    private final boolean keepLogprobs;
    private final List<TokenLogprob> logprobs = new ArrayList<>();
    private int logprobsTaken;
    private int tokens;

    public OutputText(Tokenizer tokenizer, Set<Integer> stopIds, List<String> stops, boolean keepLogprobs) {
        this.tokenizer = tokenizer;
        this.stopIds = stopIds;
        this.decoder = tokenizer.newStreamingDecoder();
        this.cutter = new StopCutter(stops);
        this.keepLogprobs = keepLogprobs;
    }

    /** The visible text this token adds (possibly empty). */
    public String step(GenerationStep step) {
        tokens++;
        if (stopIds.contains(step.token())) {
            return "";
        }
        if (keepLogprobs && !cutter.matched()) {
            List<TokenLogprob> top = new ArrayList<>();
            for (TokenChoice.TopLogprob t : step.topLogprobs()) {
                top.add(describe(t.token(), t.logprob(), List.of()));
            }
            logprobs.add(describe(step.token(), step.logprob(), top));
        }
        return cutter.accept(decoder.next(step.token()));
    }

    /** Text still held back at the end. */
    public String finish() {
        return cutter.accept(decoder.finish()) + cutter.finish();
    }

    private TokenLogprob describe(int token, float logprob, List<TokenLogprob> top) {
        // JSON has no -Infinity; OpenAI reports impossible tokens as -9999.
        float lp = Float.isFinite(logprob) ? logprob : -9999f;
        return new TokenLogprob(tokenizer.decode(new int[] {token}), tokenizer.bytes(token), lp, top);
    }

    /** Whether a stop string ended the visible text. */
    public boolean stopped() {
        return cutter.matched();
    }

    /** The stop string that ended the visible text, or null (Anthropic's {@code stop_sequence}). */
    public String stopString() {
        return cutter.matchedStop();
    }

    /** Generated tokens so far (including the end-of-turn token). */
    public int tokens() {
        return tokens;
    }

    public List<TokenLogprob> logprobs() {
        return List.copyOf(logprobs);
    }

    /** Log-probabilities not yet handed out (for the next streamed chunk). */
    public List<TokenLogprob> takeNewLogprobs() {
        List<TokenLogprob> out = List.copyOf(logprobs.subList(logprobsTaken, logprobs.size()));
        logprobsTaken = logprobs.size();
        return out;
    }
}
