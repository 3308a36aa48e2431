package io.qwen4j.embed;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * A sequence's embedding: its final hidden states (after the last RMSNorm, HF's {@code last_hidden_state}) pooled
 * into one vector and, as sentence-transformers and Qwen3-Embedding's own code do, scaled to unit length.
 *
 * <p>Each input runs through a KV cache of its own length ({@link #embed}) or of a {@link Session}'s, in passes of
 * {@link #CHUNK_TOKENS} tokens (by default): the model's lock is released between passes, so a server's running
 * generations keep stepping while a long input is embedded. Hidden states come back in arrays of their own ({@link ForwardBatch.LogitsWanted#HIDDEN}), never in the
 * logits buffer a generation loop reads.
 */
public final class Embedder {

    /** Tokens per forward pass by default. */
    public static final int CHUNK_TOKENS = 256;
    /** Below this length a vector is not scaled ({@code torch.nn.functional.normalize}'s eps). */
    private static final double NORM_EPS = 1e-12;

    private final Model model;
    private final KvCacheType cacheType;
    private final int maxTokens;
    private final int chunkTokens;

    /**
     * @param maxTokens the longest input accepted (at most the model's context length): its KV cache is
     *                  allocated for the input's length while it runs
     */
    public Embedder(Model model, KvCacheType cacheType, int maxTokens) {
        this(model, cacheType, maxTokens, CHUNK_TOKENS);
    }

    /** As above, with {@code chunkTokens} tokens per forward pass (the result is the same bits for any). */
    public Embedder(Model model, KvCacheType cacheType, int maxTokens, int chunkTokens) {
        if (chunkTokens < 1) {
            throw new IllegalArgumentException("chunk of " + chunkTokens + " tokens");
        }
        this.model = model;
        this.cacheType = cacheType;
        this.maxTokens = Math.min(maxTokens, model.config().contextLength());
        this.chunkTokens = chunkTokens;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /**
     * The tokens of a text input as Qwen3-Embedding's tokenizer makes them: special tokens in the text parsed, and
     * for last-token pooling {@code <|endoftext|>} appended unless the text already ends with it (the token whose
     * state is the embedding; HF's tokenizer for that model appends it).
     */
    public static int[] textTokens(Tokenizer tokenizer, String text, Pooling pooling) {
        int[] tokens = tokenizer.encode(text, true);
        if (pooling != Pooling.LAST) {
            return tokens;
        }
        var endOfText = tokenizer.id("<|endoftext|>");
        int end = endOfText.isPresent() ? endOfText.getAsInt() : tokenizer.eosId().orElse(-1);
        if (end < 0 || tokens.length > 0 && tokens[tokens.length - 1] == end) {
            return tokens;
        }
        int[] withEnd = Arrays.copyOf(tokens, tokens.length + 1);
        withEnd[tokens.length] = end;
        return withEnd;
    }

    /** The pooled embedding of {@code tokens} ({@link Pooling#MEAN}, {@link Pooling#CLS} or {@link Pooling#LAST}). */
    public float[] embed(int[] tokens, Pooling pooling, boolean normalize) {
        return embed(tokens, pooling, normalize, () -> { });
    }

    /**
     * As {@link #embed(int[], Pooling, boolean)}, running {@code beforeEachPass} before every forward pass: it may
     * throw to stop a long input between passes (a server whose client has gone).
     */
    public float[] embed(int[] tokens, Pooling pooling, boolean normalize, Runnable beforeEachPass) {
        if (pooling == Pooling.NONE || pooling == Pooling.RANK) {
            throw new InvalidInputException("pooling '" + pooling.id() + "' gives no single embedding (use mean, cls or last)");
        }
        checkLength(tokens);
        ContiguousKvCache cache = ContiguousKvCache.forContext(model.config(), cacheType, tokens.length);
        return pooled(tokens, 0, cache, pooling, normalize, beforeEachPass);
    }

    private void checkLength(int[] tokens) {
        if (tokens.length == 0) {
            throw new InvalidInputException("an input to embed has no tokens");
        }
        if (tokens.length > maxTokens) {
            throw new ContextOverflowException("input", tokens.length, maxTokens);
        }
    }

    /** Runs {@code tokens} from position {@code from} (the cache holds the earlier ones) and pools what it runs. */
    private float[] pooled(int[] tokens, int from, ContiguousKvCache cache, Pooling pooling, boolean normalize,
                           Runnable beforeEachPass) {
        int dim = model.config().hiddenSize();
        double[] pooled = new double[dim];
        for (int start = from; start < tokens.length; start += chunkTokens) {
            beforeEachPass.run();
            int[] chunk = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + chunkTokens));
            Logits hidden = model.forward(new ForwardBatch(List.of(new ForwardBatch.Sequence(chunk, start, cache)),
                    ForwardBatch.LogitsWanted.HIDDEN));
            float[] rows = hidden.data();
            switch (pooling) {
                case MEAN -> {
                    for (int t = 0; t < chunk.length; t++) {
                        for (int i = 0; i < dim; i++) {
                            pooled[i] += rows[t * dim + i];
                        }
                    }
                }
                case CLS -> {
                    if (start == 0) {
                        copy(rows, 0, pooled);
                    }
                }
                default -> copy(rows, (chunk.length - 1) * dim, pooled);
            }
        }
        if (pooling == Pooling.MEAN) {
            for (int i = 0; i < dim; i++) {
                pooled[i] /= tokens.length;
            }
        }
        return normalize ? unit(pooled, dim) : toFloats(pooled, dim);
    }

    /**
     * Embeddings of {@code inputs}, one after another. With last-token pooling they run through one KV cache as long as
     * the longest input: each runs only from where it stops agreeing with the one before (at least its last token),
     * since those positions' keys and values are already in the cache. A reranker's prompts (one query,
     * many documents) share everything before the document. The same bits as {@link #embed}: a pass's rows do not
     * depend on how the earlier positions were split into passes.
     */
    public Session session(List<int[]> inputs, Pooling pooling) {
        if (pooling != Pooling.LAST || model.config().isHybrid()) {
            // mean and cls pooling need every position's state, and a hybrid model's recurrent state cannot be cut
            // back to a shared prefix: each input runs whole, alone
            return new Session(pooling, null);
        }
        int longest = inputs.stream().mapToInt(t -> t.length).max().orElse(1);
        return new Session(pooling, ContiguousKvCache.forContext(model.config(), cacheType, Math.min(longest, maxTokens)));
    }

    /** See {@link #session}. Not thread-safe: one input at a time. */
    public final class Session {
        private final Pooling pooling;
        private final ContiguousKvCache cache;
        private int[] previous = new int[0];

        private Session(Pooling pooling, ContiguousKvCache cache) {
            this.pooling = pooling;
            this.cache = cache;
        }

        /** The embedding of {@code tokens}, as {@link #embed(int[], Pooling, boolean, Runnable)} gives it. */
        public float[] embed(int[] tokens, boolean normalize, Runnable beforeEachPass) {
            if (cache == null) {
                return Embedder.this.embed(tokens, pooling, normalize, beforeEachPass);
            }
            checkLength(tokens);
            if (tokens.length > cache.capacity()) {
                throw new IllegalArgumentException(tokens.length + " tokens in a session of " + cache.capacity());
            }
            int shared = 0;
            int most = Math.min(previous.length, tokens.length - 1);
            while (shared < most && previous[shared] == tokens[shared]) {
                shared++;
            }
            // what follows the shared tokens is overwritten now: if this pass fails, nothing after them is valid
            previous = Arrays.copyOf(tokens, shared);
            float[] result = pooled(tokens, shared, cache, Pooling.LAST, normalize, beforeEachPass);
            previous = tokens.clone();
            return result;
        }
    }

    /**
     * The first {@code dimensions} values of an embedding, scaled to unit length again when asked: Qwen3-Embedding is
     * trained so that a prefix is itself an embedding (Matryoshka representation learning; the OpenAI
     * {@code dimensions} field).
     */
    public static float[] truncate(float[] embedding, int dimensions, boolean normalize) {
        if (dimensions < 1 || dimensions > embedding.length) {
            throw new InvalidInputException("dimensions must be 1.." + embedding.length + ", got " + dimensions);
        }
        double[] prefix = new double[dimensions];
        for (int i = 0; i < dimensions; i++) {
            prefix[i] = embedding[i];
        }
        return normalize ? unit(prefix, dimensions) : toFloats(prefix, dimensions);
    }

    private static void copy(float[] rows, int from, double[] to) {
        for (int i = 0; i < to.length; i++) {
            to[i] = rows[from + i];
        }
    }

    /** {@code v / max(|v|, eps)}, as {@code torch.nn.functional.normalize(p=2)}. */
    private static float[] unit(double[] v, int n) {
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += v[i] * v[i];
        }
        double norm = Math.max(Math.sqrt(squares), NORM_EPS);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    private static float[] toFloats(double[] v, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
