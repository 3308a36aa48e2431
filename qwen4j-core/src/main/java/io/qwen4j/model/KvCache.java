package io.qwen4j.model;

/**
 * The keys and values of one sequence, for every layer and position, as attention reads them.
 *
 * <p>Attention only ever asks "score a query against the keys of positions {@code [0, count)}" and
 * "sum the values of those positions with these weights", so where position {@code p} lives (a contiguous
 * array, or a block of a paged pool shared with other sequences and with cached prefixes) stays behind
 * this interface. Reads may run on several compute threads at once; writes happen before reads within
 * one forward pass.
 */
public interface KvCache {

    /** Positions this sequence can hold. */
    int capacity();

    /** Stores the key and value vectors ({@code numKeyValueHeads * headDim} floats each) of one position. */
    void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset);

    /**
     * For the {@code queries} consecutive query heads that share {@code kvHead} (query {@code g} at
     * {@code queryOffset + g * headDim}): {@code scores[scoresOffset + g * count + p] = query_g . key(layer, p,
     * kvHead)} for {@code p} in {@code [0, count)}. One pass over the keys serves the whole group (GQA).
     */
    void keyScores(int layer, int kvHead, float[] query, int queryOffset, int queries, int count, float[] scores,
                   int scoresOffset);

    /**
     * For the same group: {@code out[outOffset + g * headDim ...] += sum_p weights[weightsOffset + g * count + p]
     * * value(layer, p, kvHead)} over {@code [0, count)}, positions in order.
     */
    void accumulateValues(int layer, int kvHead, float[] weights, int weightsOffset, int queries, int count, float[] out,
                          int outOffset);
}
