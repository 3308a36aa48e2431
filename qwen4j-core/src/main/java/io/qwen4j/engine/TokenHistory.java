package io.qwen4j.engine;

/** The tokens of one request so far, as the penalties see them: which ids occurred, and output counts. */
final class TokenHistory {

    private final boolean[] seen;
    private final int[] outputCounts;
    private final int[] distinct;
    private int distinctCount;

    TokenHistory(int vocabSize) {
        seen = new boolean[vocabSize];
        outputCounts = new int[vocabSize];
        distinct = new int[vocabSize];
    }

    void addPrompt(int token) {
        markSeen(token);
    }

    void addOutput(int token) {
        markSeen(token);
        outputCounts[token]++;
    }

    private void markSeen(int token) {
        if (!seen[token]) {
            seen[token] = true;
            distinct[distinctCount++] = token;
        }
    }

    int distinctCount() {
        return distinctCount;
    }

    int distinct(int i) {
        return distinct[i];
    }

    int outputCount(int token) {
        return outputCounts[token];
    }
}
