package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.VectorOps;
import java.util.Arrays;

/**
 * Grouped-query causal self-attention shared by the Qwen family (HF {@code Qwen2Attention} /
 * {@code Qwen3Attention}): Qwen2 adds biases to q/k/v; Qwen3 drops them and RMS-normalises each query and
 * key head before RoPE. Both are this one class with optional parts.
 */
record Attention(Linear qProj, Linear kProj, Linear vProj, Linear oProj, RmsNorm qNorm, RmsNorm kNorm,
                 ModelConfig config) {

    /** Which optional parts a family has. */
    enum Variant {
        /** q/k/v biases, no q/k norm. */
        QWEN2,
        /** per-head q/k RMSNorm; biases only if the file has them. */
        QWEN3
    }

    static Attention load(WeightSource source, ModelConfig config, int layer, Variant variant) {
        String p = "blk." + layer + ".";
        int dim = config.hiddenSize();
        Linear q, k, v;
        RmsNorm qNorm = null, kNorm = null;
        if (variant == Variant.QWEN2) {
            q = Linear.load(source, p + "attn_q", dim, config.queryDim(), true);
            k = Linear.load(source, p + "attn_k", dim, config.keyValueDim(), true);
            v = Linear.load(source, p + "attn_v", dim, config.keyValueDim(), true);
        } else {
            q = Linear.loadOptionalBias(source, p + "attn_q", dim, config.queryDim());
            k = Linear.loadOptionalBias(source, p + "attn_k", dim, config.keyValueDim());
            v = Linear.loadOptionalBias(source, p + "attn_v", dim, config.keyValueDim());
            qNorm = RmsNorm.load(source, p + "attn_q_norm.weight", config.headDim(), config.rmsNormEps());
            kNorm = RmsNorm.load(source, p + "attn_k_norm.weight", config.headDim(), config.rmsNormEps());
        }
        Linear o = Linear.load(source, p + "attn_output", config.queryDim(), dim, false);
        return new Attention(q, k, v, o, qNorm, kNorm, config);
    }

    /**
     * Attention of the batch's {@code tokens} rows of {@code ws.normed} into {@code ws.output}, storing
     * their keys and values in each token's cache first.
     */
    void forward(ComputePool pool, Workspace ws, int layer, int tokens) {
        int headDim = config.headDim();
        int half = headDim / 2;
        int qDim = config.queryDim();
        int kvDim = config.keyValueDim();
        // 1. projections (+ bias for Qwen2)
        Linear.applyAll(pool, ws.normed, tokens, new Linear[] {qProj, kProj, vProj},
                new float[][] {ws.query, ws.key, ws.value});
        // 2. Qwen3: RMSNorm over each head of q and k; 3. RoPE on q and k
        if (qNorm != null) {
            qNorm.apply(ws.query, ws.query, tokens * config.numHeads());
            kNorm.apply(ws.key, ws.key, tokens * config.numKeyValueHeads());
        }
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < config.numHeads(); h++) {
                VectorOps.rope(ws.query, t * qDim + h * headDim, half, ws.cos, ws.sin, t * half);
            }
            for (int h = 0; h < config.numKeyValueHeads(); h++) {
                VectorOps.rope(ws.key, t * kvDim + h * headDim, half, ws.cos, ws.sin, t * half);
            }
            // 4. append this position's key and value to its sequence's cache
            ws.caches[t].write(layer, ws.positions[t], ws.key, t * kvDim, ws.value, t * kvDim);
        }
        // 5. per token and head: softmax(q.K^T / sqrt(d)) V over positions [0, position] (causal). One work
        // item per token and key/value head: the query heads of a group share one pass over its keys and
        // values, so each is read (and widened from F16) once, not once per query head.
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int kvHeads = config.numKeyValueHeads();
        int group = config.queriesPerKeyValue();
        pool.parallelFor(tokens * kvHeads, (start, end) -> {
            for (int item = start; item < end; item++) {
                int t = item / kvHeads;
                int kvHead = item % kvHeads;
                int count = ws.positions[t] + 1;
                float[] scores = ws.scores(group * count);
                int qOff = t * qDim + kvHead * group * headDim;
                KvCache cache = ws.caches[t];
                cache.keyScores(layer, kvHead, ws.query, qOff, group, count, scores, 0);
                for (int g = 0; g < group; g++) {
                    VectorOps.scale(scores, g * count, scale, count);
                    VectorOps.softmax(scores, g * count, count);
                }
                Arrays.fill(ws.attention, qOff, qOff + group * headDim, 0f);
                cache.accumulateValues(layer, kvHead, scores, 0, group, count, ws.attention, qOff);
            }
        });
        // 6. output projection
        oProj.apply(pool, ws.attention, tokens, ws.output);
    }
}
