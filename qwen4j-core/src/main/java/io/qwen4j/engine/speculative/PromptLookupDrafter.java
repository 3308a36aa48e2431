package io.qwen4j.engine.speculative;

import io.qwen4j.engine.SequenceDecoder;

/**
 * Prompt lookup (n-gram) drafting: find the latest earlier place where the sequence's last {@code n} tokens occurred
 * (longest {@code n} first, from {@code maxNgram} down to {@code minNgram}) and guess that what followed there follows
 * again. It costs no model and pays off where output repeats its input: code edits that echo a file, quotes, JSON
 * that restates the prompt's fields, and the loops of a small model's greedy output.
 */
public final class PromptLookupDrafter implements Drafter {

    private final int minNgram;
    private final int maxNgram;

    public PromptLookupDrafter(int minNgram, int maxNgram) {
        if (minNgram < 1 || maxNgram < minNgram) {
            throw new IllegalArgumentException("n-gram sizes must satisfy 1 <= min <= max, got " + minNgram + ".." + maxNgram);
        }
        this.minNgram = minNgram;
        this.maxNgram = maxNgram;
    }

    @Override
    public int[] draft(SequenceDecoder sequence, int max) {
        int count = sequence.tokenCount();
        if (max < 1) {
            return NONE;
        }
        for (int n = Math.min(maxNgram, count - 1); n >= minNgram; n--) {
            int suffix = count - n;
            // an earlier occurrence [end - n, end); what followed it starts at end, before the suffix's last token
            for (int end = count - 1; end >= n; end--) {
                if (occursAt(sequence, end - n, suffix, n)) {
                    return sequence.tokens(end, Math.min(count, end + max));
                }
            }
        }
        return NONE;
    }

    private static boolean occursAt(SequenceDecoder sequence, int at, int suffix, int n) {
        for (int i = n - 1; i >= 0; i--) { // the last token first: most places fail there
            if (sequence.token(at + i) != sequence.token(suffix + i)) {
                return false;
            }
        }
        return true;
    }
}
