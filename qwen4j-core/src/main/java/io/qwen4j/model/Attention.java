package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.VectorOps;
import java.util.Arrays;

/**
 * Grouped-query causal self-attention shared by the Qwen family (HF {@code Qwen2Attention} /
 * {@code Qwen3Attention}): Qwen2 adds biases to q/k/v; Qwen3 drops them and RMS-normalises each query and
 * key head before RoPE. Both are this one class with optional parts. Qwen3.5's full-attention layers (HF
 * {@code Qwen3_5Attention}, llama.cpp {@code qwen35}) are Qwen3's with an output gate: q_proj yields, per head, the
 * query and then as many gate values, and the attention output is multiplied by their sigmoid before o_proj.
 */
record Attention(Linear qProj, Linear kProj, Linear vProj, Linear oProj, RmsNorm qNorm, RmsNorm kNorm, boolean gated,
                 ModelConfig config) implements TokenMixer {

    /** Which optional parts a family has. */
    enum Variant {
        /** q/k/v biases, no q/k norm. */
        QWEN2,
        /** per-head q/k RMSNorm; biases only if the file has them. */
        QWEN3,
        /** Qwen3's, with a sigmoid output gate per query dimension from a q_proj twice as wide. */
        QWEN35
    }

    /** Query rows (tokens times the query heads of a GQA group) that share one pass over the cache. */
    private static final int QUERY_ROWS = 16;

    /** Consecutive tokens per block of attention's queries: {@link #QUERY_ROWS} rows, at least one token. */
    static int queryBlockTokens(ModelConfig config) {
        return Math.max(1, QUERY_ROWS / config.queriesPerKeyValue());
    }

    /**
     * Splits the batch's tokens into blocks of up to {@link #queryBlockTokens} consecutive tokens of one
     * sequence at consecutive positions (a prefill chunk; decode tokens of different sequences stay alone),
     * into {@code ws.queryBlockStart} and {@code ws.queryBlocks}. A block's last token sees every position the
     * others see, so one pass over the cache up to it serves them all, each masking what follows its own.
     * The same for every layer: the decoder calls it once per forward pass, before the layers.
     */
    static void planQueryBlocks(Workspace ws, ModelConfig config, int tokens) {
        int maxTokens = queryBlockTokens(config);
        int blocks = 0;
        for (int t = 0; t < tokens; t++) {
            int first = blocks == 0 ? -1 : ws.queryBlockStart[blocks - 1];
            boolean joins = first >= 0 && t - first < maxTokens && ws.caches[t] == ws.caches[first]
                    && ws.positions[t] == ws.positions[t - 1] + 1;
            if (!joins) {
                ws.queryBlockStart[blocks++] = t;
            }
        }
        ws.queryBlockStart[blocks] = tokens;
        ws.queryBlocks = blocks;
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
            q = Linear.loadOptionalBias(source, p + "attn_q", dim, variant == Variant.QWEN35 ? 2 * config.queryDim() : config.queryDim());
            k = Linear.loadOptionalBias(source, p + "attn_k", dim, config.keyValueDim());
            v = Linear.loadOptionalBias(source, p + "attn_v", dim, config.keyValueDim());
            qNorm = RmsNorm.load(source, p + "attn_q_norm.weight", config.headDim(), config.rmsNormEps());
            kNorm = RmsNorm.load(source, p + "attn_k_norm.weight", config.headDim(), config.rmsNormEps());
        }
        Linear o = Linear.load(source, p + "attn_output", config.queryDim(), dim, false);
        return new Attention(q, k, v, o, qNorm, kNorm, variant == Variant.QWEN35, config);
    }

    /**
     * Attention of the batch's {@code tokens} rows of {@code ws.normed} into {@code ws.output}, storing
     * their keys and values in each token's cache first.
     */
    @Override
    public void forward(ComputePool pool, Workspace ws, int layer, int tokens) {
        int headDim = config.headDim();
        int half = config.rotaryDim() / 2;
        int qDim = config.queryDim();
        int kvDim = config.keyValueDim();
        // 1. projections (+ bias for Qwen2)
        Linear.applyAll(pool, ws.normed, tokens, new Linear[] {qProj, kProj, vProj},
                new float[][] {gated ? ws.queryAndGate : ws.query, ws.key, ws.value});
        if (gated) {
            // per head: headDim query values, then headDim gate values
            for (int t = 0; t < tokens; t++) {
                for (int h = 0; h < config.numHeads(); h++) {
                    int from = (t * config.numHeads() + h) * 2 * headDim;
                    System.arraycopy(ws.queryAndGate, from, ws.query, t * qDim + h * headDim, headDim);
                    System.arraycopy(ws.queryAndGate, from + headDim, ws.attentionGate, t * qDim + h * headDim, headDim);
                }
            }
        }
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
        // 5. per block of query tokens and key/value head: softmax(q.K^T / sqrt(d)) V over positions
        // [0, position] (causal). The query heads of a GQA group, and the consecutive tokens of one sequence in
        // a prefill chunk (up to QUERY_ROWS query rows), share one pass over the cached keys and values, so
        // each is read (and widened from F16) once per block, not once per query head and token.
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int kvHeads = config.numKeyValueHeads();
        int group = config.queriesPerKeyValue();
        int blocks = ws.queryBlocks; // planQueryBlocks ran before the layers
        pool.parallelFor(blocks * kvHeads, (start, end) -> {
            for (int item = start; item < end; item++) {
                int b = item / kvHeads;
                int kvHead = item % kvHeads;
                int first = ws.queryBlockStart[b];
                int n = ws.queryBlockStart[b + 1] - first;
                int rows = n * group;
                int rowFloats = group * headDim;
                // positions [0, last) cover every token of the block; each masks the ones after its own
                int last = ws.positions[first + n - 1] + 1;
                float[] block = ws.blockRows();
                int outAt = rows * headDim;
                for (int i = 0; i < n; i++) {
                    System.arraycopy(ws.query, (first + i) * qDim + kvHead * rowFloats, block, i * rowFloats, rowFloats);
                }
                float[] scores = ws.scores(rows * last);
                KvCache cache = ws.caches[first];
                cache.keyScores(layer, kvHead, block, 0, rows, last, scores, 0);
                for (int i = 0; i < n; i++) {
                    int count = ws.positions[first + i] + 1;
                    for (int g = 0; g < group; g++) {
                        int at = (i * group + g) * last;
                        VectorOps.scale(scores, at, scale, count);
                        VectorOps.softmax(scores, at, count);
                        Arrays.fill(scores, at + count, at + last, 0f);
                    }
                }
                Arrays.fill(block, outAt, outAt + rows * headDim, 0f);
                cache.accumulateValues(layer, kvHead, scores, 0, rows, last, block, outAt);
                for (int i = 0; i < n; i++) {
                    System.arraycopy(block, outAt + i * rowFloats, ws.attention, (first + i) * qDim + kvHead * rowFloats,
                            rowFloats);
                }
            }
        });
        // 6. (Qwen3.5) the output gate, then the output projection
        if (gated) {
            for (int i = 0; i < tokens * qDim; i++) {
                ws.attention[i] *= Activations.sigmoid(ws.attentionGate[i]);
            }
        }
        oProj.apply(pool, ws.attention, tokens, ws.output);
    }
}
