package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.MatMul;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The layer loop every Qwen decoder shares (HF {@code Qwen3Model.forward} + {@code lm_head}), run over a
 * batch of tokens from one or more sequences. Architectures differ only in how their layers are built
 * ({@link Qwen2}, {@link Qwen3}, {@link Qwen3Moe}); batches larger than the workspace are run in slices.
 */
final class DecoderModel implements Model {

    private final DecoderWeights weights;
    private final ModelConfig config;
    private final ComputePool pool;
    private final Workspace ws;
    private final RotaryEmbedding rope;
    private final QuantFormat embeddingFormat;
    private float[] logitsBuffer = new float[0];

    DecoderModel(DecoderWeights weights, ComputePool pool, int maxBatchTokens) {
        if (maxBatchTokens < 1) {
            throw new IllegalArgumentException("max batch tokens must be >= 1, got " + maxBatchTokens);
        }
        this.weights = weights;
        this.config = weights.config();
        this.pool = pool;
        this.ws = new Workspace(config, maxBatchTokens);
        this.rope = new RotaryEmbedding(config);
        this.embeddingFormat = QuantFormats.of(weights.embedding().type());
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public synchronized Logits forward(ForwardBatch batch) {
        validate(batch);
        int sequences = batch.sequences().size();
        int[] firstRows = new int[sequences];
        int[] rowCounts = new int[sequences];
        int rows = 0;
        for (int s = 0; s < sequences; s++) {
            firstRows[s] = rows;
            rowCounts[s] = batch.logitsWanted() != ForwardBatch.LogitsWanted.LAST
                    ? batch.sequences().get(s).tokens().length : batch.sequences().get(s).logitRows();
            rows += rowCounts[s];
        }
        boolean hidden = batch.logitsWanted() == ForwardBatch.LogitsWanted.HIDDEN;
        int width = hidden ? config.hiddenSize() : config.vocabSize();
        long needed = (long) rows * width;
        float[] out;
        if (hidden) {
            out = new float[Math.toIntExact(needed)];
        } else {
            if (logitsBuffer.length < needed) {
                logitsBuffer = new float[Math.toIntExact(needed)];
            }
            out = logitsBuffer;
        }
        // Fill slices of up to maxTokens tokens, in sequence order, and run each.
        int s = 0;
        int i = 0;
        while (s < sequences) {
            int used = 0;
            while (s < sequences && used < ws.maxTokens) {
                ForwardBatch.Sequence seq = batch.sequences().get(s);
                int take = Math.min(seq.tokens().length - i, ws.maxTokens - used);
                for (int j = 0; j < take; j++) {
                    int index = i + j;
                    int row = used + j;
                    ws.positions[row] = seq.startPosition() + index;
                    ws.caches[row] = seq.cache();
                    int fromEnd = seq.tokens().length - 1 - index; // 0 for the last token
                    ws.logitsRow[row] = batch.logitsWanted() != ForwardBatch.LogitsWanted.LAST
                            ? firstRows[s] + index
                            : fromEnd < seq.logitRows() ? firstRows[s] + seq.logitRows() - 1 - fromEnd : -1;
                    embed(seq.tokens()[index], row);
                }
                used += take;
                i += take;
                if (i == seq.tokens().length) {
                    s++;
                    i = 0;
                }
            }
            run(used, hidden ? null : out);
            if (hidden) {
                for (int t = 0, n = 0; t < used; t++) {
                    if (ws.logitsRow[t] >= 0) {
                        System.arraycopy(ws.normed, n++ * width, out, ws.logitsRow[t] * width, width);
                    }
                }
            }
        }
        return new Logits(out, width, firstRows, rowCounts);
    }

    @Override
    public synchronized Optional<RecurrentState> saveRecurrentState(KvCache cache) {
        List<DecoderLayer> layers = weights.layers();
        GatedDeltaNet.State[] copies = new GatedDeltaNet.State[layers.size()];
        int position = -1;
        for (int l = 0; l < copies.length; l++) {
            if (layers.get(l).mixer() instanceof GatedDeltaNet linear) {
                copies[l] = linear.copyOf(cache);
                if (copies[l] == null) {
                    return Optional.empty();
                }
                position = copies[l].tokens;
            }
        }
        return position < 0 ? Optional.empty() : Optional.of(new RecurrentState(copies, position));
    }

    @Override
    public synchronized void restoreRecurrentState(KvCache cache, RecurrentState state) {
        List<DecoderLayer> layers = weights.layers();
        if (state.layers.length != layers.size()) {
            throw new IllegalArgumentException("a state of " + state.layers.length + " layers for a model of " + layers.size());
        }
        for (int l = 0; l < layers.size(); l++) {
            if (layers.get(l).mixer() instanceof GatedDeltaNet linear) {
                linear.restore(cache, state.layers[l]);
            }
        }
    }

    @Override
    public Optional<Tensor> outputHead() {
        return Optional.of(weights.lmHead());
    }

    @Override
    public Optional<Tensor> classifier() {
        return weights.classifier();
    }

    private void embed(int token, int row) {
        int dim = config.hiddenSize();
        long offset = token * weights.embedding().rowBytes();
        embeddingFormat.dequantize(weights.embedding().data(), offset, ws.hidden, row * dim, dim);
    }

    /**
     * The decoder on the {@code tokens} rows already embedded in {@code ws.hidden}, then the final norm of the rows
     * that want output into {@code ws.normed} (in row order) and, unless {@code logits} is null, the LM head on them.
     */
    private void run(int tokens, float[] logits) {
        int dim = config.hiddenSize();
        int half = config.rotaryDim() / 2;
        for (int t = 0; t < tokens; t++) {
            rope.angles(ws.positions[t], ws.cos, ws.sin, t * half);
        }
        Attention.planQueryBlocks(ws, config, tokens);
        for (int l = 0; l < weights.layers().size(); l++) {
            DecoderLayer layer = weights.layers().get(l);
            // 1. h = h + attention(norm(h))
            layer.inputNorm().apply(ws.hidden, ws.normed, tokens);
            layer.mixer().forward(pool, ws, l, tokens);
            VectorOps.add(ws.output, 0, ws.hidden, 0, tokens * dim);
            // 2. h = h + ffn(norm(h))
            layer.postAttentionNorm().apply(ws.hidden, ws.normed, tokens);
            layer.feedForward().forward(pool, ws, tokens);
            VectorOps.add(ws.output, 0, ws.hidden, 0, tokens * dim);
        }
        // 3. final norm and LM head, only on the rows that want logits
        int wanted = 0;
        for (int t = 0; t < tokens; t++) {
            if (ws.logitsRow[t] >= 0) {
                VectorOps.rmsNorm(ws.hidden, t * dim, weights.finalNorm().weight(), config.rmsNormEps(),
                        ws.normed, wanted * dim, dim);
                ws.logitsTokens[wanted++] = ws.logitsRow[t];
            }
        }
        if (logits == null) {
            return;
        }
        int vocab = config.vocabSize();
        for (int start = 0; start < wanted; start += Workspace.LOGITS_ROWS) {
            int n = Math.min(Workspace.LOGITS_ROWS, wanted - start);
            // Only ALL-position requests (scoring) reach the copy: generation wants one row per sequence.
            float[] in = start == 0 ? ws.normed : Arrays.copyOfRange(ws.normed, start * dim, (start + n) * dim);
            MatMul.matmul(pool, weights.lmHead(), in, n, ws.logitsScratch);
            for (int j = 0; j < n; j++) {
                System.arraycopy(ws.logitsScratch, j * vocab, logits, ws.logitsTokens[start + j] * vocab, vocab);
            }
        }
    }

    private void validate(ForwardBatch batch) {
        if (batch.sequences().isEmpty()) {
            throw new IllegalArgumentException("empty forward batch");
        }
        Set<KvCache> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ForwardBatch.Sequence seq : batch.sequences()) {
            if (seq.tokens().length == 0) {
                throw new IllegalArgumentException("a sequence in the batch has no new tokens");
            }
            if (!seen.add(seq.cache())) {
                throw new IllegalArgumentException("two sequences of one batch share a cache");
            }
            if (seq.startPosition() < 0) {
                throw new InvalidInputException("negative start position " + seq.startPosition());
            }
            if (seq.end() > seq.cache().capacity()) {
                throw new ContextOverflowException("sequence (" + seq.tokens().length + " new tokens at position "
                        + seq.startPosition() + ")", seq.end(), seq.cache().capacity());
            }
            for (int token : seq.tokens()) {
                if (token < 0 || token >= config.vocabSize()) {
                    throw new InvalidInputException("token id " + token + " is outside the vocabulary of "
                            + config.vocabSize());
                }
            }
        }
    }
}
