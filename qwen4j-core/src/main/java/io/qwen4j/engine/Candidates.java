package io.qwen4j.engine;

import java.util.Arrays;

/**
 * The working set of a sampling pass: adjusted logits over the whole vocabulary, then, once a truncation
 * step needs an order, the surviving token ids sorted by logit (descending) in {@code ids[0, size)}.
 */
final class Candidates {

    final float[] logits;
    final int[] ids;
    private final long[] sortKeys;
    int size;
    boolean sorted;

    Candidates(int vocabSize) {
        logits = new float[vocabSize];
        ids = new int[vocabSize];
        sortKeys = new long[vocabSize];
    }

    void reset(float[] source, int offset) {
        System.arraycopy(source, offset, logits, 0, logits.length);
        size = logits.length;
        sorted = false;
        for (int i = 0; i < size; i++) {
            ids[i] = i;
        }
    }

    float logit(int rank) {
        return logits[ids[rank]];
    }

    /** Sorts the candidates by logit, descending, ties by ascending id. */
    void sort() {
        if (sorted) {
            return;
        }
        for (int i = 0; i < size; i++) {
            // Float bits mapped to an unsigned order, complemented for descending order; 32 + 31 bits keep
            // the key non-negative, so a signed sort of the keys sorts by logit, then by id.
            int bits = Float.floatToIntBits(logits[ids[i]]);
            int ascending = bits < 0 ? ~bits : bits | Integer.MIN_VALUE;
            sortKeys[i] = ((long) ~ascending & 0xFFFFFFFFL) << 31 | ids[i];
        }
        Arrays.sort(sortKeys, 0, size);
        for (int i = 0; i < size; i++) {
            ids[i] = (int) (sortKeys[i] & Integer.MAX_VALUE);
        }
        sorted = true;
    }

    /** Keeps the {@code k} best candidates. */
    void keepTop(int k) {
        sort();
        size = Math.min(size, k);
    }

    /** Probabilities of the candidates {@code [0, size)} (softmax over them), into {@code out}. */
    void probabilities(double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logit(i));
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            out[i] = Math.exp(logit(i) - max);
            sum += out[i];
        }
        for (int i = 0; i < size; i++) {
            out[i] /= sum;
        }
    }
}
