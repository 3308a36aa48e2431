package io.qwen4j.model;

import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Linear attention of hybrid models (Qwen3.5's {@code Qwen3_5GatedDeltaNet}, Qwen3-Next's), with GGUF's tensors and
 * semantics as llama.cpp's {@code qwen35} and {@code qwen3next} graphs and its {@code gated_delta_net} operation define
 * them (Qwen3-Next's fused projections are split first: {@link #project}). Per token:
 * <pre>
 *   m = attn_qkv(n)                                   (queries, keys, values: {@link GatedDeltaNetConfig#convChannels})
 *   m = silu(causal depthwise conv1d of m over the last convKernel tokens, ssm_conv1d)
 *   q, k = each key head of m divided by sqrt(sum of squares + eps)
 *   per value head h (reading key head {@link GatedDeltaNetConfig#keyHeadOf}(h), as the converter orders the heads):
 *     g = softplus(ssm_alpha(n)_h + ssm_dt.bias_h) * ssm_a_h          beta = sigmoid(ssm_beta(n)_h)
 *     S = exp(g) S;   S += k (beta (v - S^T k))^T;   o = S^T q / sqrt(headDim)
 *   y = ssm_out(rmsnorm(o per head, ssm_norm) * silu(attn_gate(n)))
 * </pre>
 * {@code S} (headDim x headDim per value head) and the convolution's last inputs are the sequence's recurrent state,
 * kept per {@link KvCache} (the sequence's identity) and reset when a sequence starts at position 0. The state holds
 * every token seen, so a sequence can only continue where it stopped: unlike keys and values it cannot be cut back to a
 * shorter prefix.
 */
final class GatedDeltaNet implements TokenMixer {

    private final GatedDeltaNetConfig c;
    private final float eps;
    /** Queries, keys and values ({@code attn_qkv}) and the output gate ({@code attn_gate}), or null with {@link #qkvz}. */
    private final Linear qkv;
    private final Linear gate;
    /** Older Qwen3-Next files: q, k, v and the gate interleaved per key head in one projection ({@code ssm_in}). */
    private final Linear qkvz;
    /** {@code ssm_beta} and {@code ssm_alpha}, or null with {@link #betaAlpha}. */
    private final Linear beta;
    private final Linear alpha;
    /** Qwen3-Next: beta and alpha in one projection, per key head its value heads' betas then their alphas. */
    private final Linear betaAlpha;
    /** The input projections the file has, in {@link #project}'s order: qkv and gate or qkvz, then beta and alpha or both. */
    private final Linear[] projections;
    private final Linear out;
    /** The convolution's taps by tap, oldest input first: tap {@code j} of every channel at {@code j * channels} (ggml's
     * {@code ssm_conv1d} transposed, so a tap runs over all channels in one vector loop). */
    private final float[] conv;
    private final float[] dtBias;
    /** {@code -exp(A_log)} per value head, as the converter stores it. */
    private final float[] a;
    private final RmsNorm norm;
    /** The recurrent state of each sequence this layer has seen (weak: a finished sequence's cache is collected). */
    private final Map<KvCache, State> states = new WeakHashMap<>();
    private final float[] convRow;
    /** Runs of the current batch (grown to its token count). */
    private int[] runStart = new int[2];
    private State[] runState = new State[1];
    private final ThreadLocal<float[]> delta;

    /** One sequence's state in one layer. */
    static final class State {
        /** The last {@code convKernel - 1} projected inputs, oldest first. */
        final float[] convInputs;
        /** Per value head, {@code S} transposed: row {@code j} holds {@code S[0..headDim)[j]}. */
        final float[] matrix;
        /** Tokens folded in: the next one must sit at this position. */
        int tokens;

        State(GatedDeltaNetConfig c) {
            convInputs = new float[(c.convKernel() - 1) * c.convChannels()];
            matrix = new float[c.valueHeads() * c.headDim() * c.headDim()];
        }

        private State(State other) {
            convInputs = other.convInputs.clone();
            matrix = other.matrix.clone();
            tokens = other.tokens;
        }

        State copy() {
            return new State(this);
        }

        long bytes() {
            return 4L * (convInputs.length + matrix.length);
        }

        void clear() {
            Arrays.fill(convInputs, 0f);
            Arrays.fill(matrix, 0f);
            tokens = 0;
        }
    }

    private GatedDeltaNet(ModelConfig config, Linear[] qkvGate, Linear qkvz, Linear[] betaAndAlpha, Linear betaAlpha,
                          Linear out, float[] conv, float[] dtBias, float[] a, RmsNorm norm) {
        this.c = config.gatedDeltaNet();
        this.eps = config.rmsNormEps();
        this.qkv = qkvGate[0];
        this.gate = qkvGate[1];
        this.qkvz = qkvz;
        this.beta = betaAndAlpha[0];
        this.alpha = betaAndAlpha[1];
        this.betaAlpha = betaAlpha;
        this.projections = java.util.stream.Stream.of(qkv, gate, qkvz, beta, alpha, betaAlpha)
                .filter(java.util.Objects::nonNull).toArray(Linear[]::new);
        this.out = out;
        this.conv = byTap(conv, c.convKernel(), c.convChannels());
        this.dtBias = dtBias;
        this.a = a;
        this.norm = norm;
        this.convRow = new float[c.convChannels()];
        int headDim = c.headDim();
        this.delta = ThreadLocal.withInitial(() -> new float[headDim]);
    }

    static GatedDeltaNet load(WeightSource source, ModelConfig config, int layer) {
        GatedDeltaNetConfig c = config.gatedDeltaNet();
        String p = "blk." + layer + ".";
        int dim = config.hiddenSize();
        Tensor convTensor = source.tensor(p + "ssm_conv1d.weight", c.convKernel(), c.convChannels());
        float[] conv = new float[c.convKernel() * c.convChannels()];
        QuantFormats.of(convTensor.type()).dequantize(convTensor.data(), 0, conv, 0, conv.length);
        boolean interleaved = source.find(p + "ssm_in.weight").isPresent();
        boolean fusedBetaAlpha = source.find(p + "ssm_ba.weight").isPresent();
        if ((interleaved || fusedBetaAlpha) && c.valueHeadOrder() != GatedDeltaNetConfig.ValueHeadOrder.GROUPED) {
            // the fused layouts group value heads by key head, which only HF's head order does
            throw new InvalidInputException("layer " + layer + " stores " + (interleaved ? "ssm_in" : "ssm_ba")
                    + ", a Qwen3-Next layout, in a " + config.architecture() + " model");
        }
        return new GatedDeltaNet(config,
                interleaved ? new Linear[2] : new Linear[] {
                        Linear.load(source, p + "attn_qkv", dim, c.convChannels(), false),
                        Linear.load(source, p + "attn_gate", dim, c.valueDim(), false)},
                interleaved ? Linear.load(source, p + "ssm_in", dim, c.convChannels() + c.valueDim(), false) : null,
                fusedBetaAlpha ? new Linear[2] : new Linear[] {
                        Linear.load(source, p + "ssm_beta", dim, c.valueHeads(), false),
                        Linear.load(source, p + "ssm_alpha", dim, c.valueHeads(), false)},
                fusedBetaAlpha ? Linear.load(source, p + "ssm_ba", dim, 2 * c.valueHeads(), false) : null,
                Linear.load(source, p + "ssm_out", c.valueDim(), dim, false),
                conv,
                Linear.vector(source, p + "ssm_dt.bias", c.valueHeads()),
                Linear.vector(source, p + "ssm_a", c.valueHeads()),
                RmsNorm.load(source, p + "ssm_norm.weight", c.headDim(), config.rmsNormEps()));
    }

    @Override
    public void forward(ComputePool pool, Workspace ws, int layer, int tokens) {
        int channels = c.convChannels();
        int headDim = c.headDim();
        int valueHeads = c.valueHeads();
        int valueDim = c.valueDim();
        project(pool, ws, tokens);
        // runs of consecutive tokens of one sequence; each continues its sequence's state
        if (runState.length < tokens) {
            runStart = new int[tokens + 1];
            runState = new State[tokens];
        }
        int runs = 0;
        for (int t = 0; t < tokens; t++) {
            if (t == 0 || ws.caches[t] != ws.caches[t - 1] || ws.positions[t] != ws.positions[t - 1] + 1) {
                runStart[runs] = t;
                runState[runs++] = stateAt(ws.caches[t], ws.positions[t]);
            }
        }
        runStart[runs] = tokens;
        for (int r = 0; r < runs; r++) {
            for (int t = runStart[r]; t < runStart[r + 1]; t++) {
                convolve(runState[r], ws.mixed, t * channels);
                normalizeKeyHeads(ws.mixed, t * channels);
            }
        }
        pool.parallelFor(runs * valueHeads, (start, end) -> {
            float[] d = delta.get();
            for (int item = start; item < end; item++) {
                int r = item / valueHeads;
                int h = item % valueHeads;
                for (int t = runStart[r]; t < runStart[r + 1]; t++) {
                    step(runState[r], h, ws, t, d);
                }
            }
        });
        for (int r = 0; r < runs; r++) {
            runState[r].tokens = ws.positions[runStart[r + 1] - 1] + 1;
        }
        // gated RMSNorm per value head (into linearGate: silu(z) times the normalised output), then the output projection
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < valueHeads; h++) {
                int at = t * valueDim + h * headDim;
                VectorOps.rmsNorm(ws.linearOut, at, norm.weight(), eps, ws.linearOut, at, headDim);
            }
        }
        VectorOps.swiglu(ws.linearGate, 0, ws.linearOut, 0, tokens * valueDim);
        out.apply(pool, ws.linearGate, tokens, ws.output);
    }

    /**
     * The input projections into {@code ws.mixed} (q, k, v), {@code ws.linearGate}, {@code ws.linearBeta} and
     * {@code ws.linearAlpha}, from whichever layout the file has; fused layouts land in scratch first and are split.
     */
    private void project(ComputePool pool, Workspace ws, int tokens) {
        int r = c.valueHeads() / c.keyHeads();
        // ws.linearOut is free until the recurrence writes it: the fused beta/alpha rows fit there (2 per value head)
        float[][] outs = new float[projections.length][];
        int i = 0;
        if (qkvz == null) {
            outs[i++] = ws.mixed;
            outs[i++] = ws.linearGate;
        } else {
            outs[i++] = ws.linearFused;
        }
        if (betaAlpha == null) {
            outs[i++] = ws.linearBeta;
            outs[i] = ws.linearAlpha;
        } else {
            outs[i] = ws.linearOut;
        }
        Linear.applyAll(pool, ws.normed, tokens, projections, outs);
        if (betaAlpha != null) {
            for (int t = 0; t < tokens; t++) {
                for (int g = 0; g < c.keyHeads(); g++) {
                    int from = t * 2 * c.valueHeads() + g * 2 * r;
                    int to = t * c.valueHeads() + g * r;
                    System.arraycopy(ws.linearOut, from, ws.linearBeta, to, r);
                    System.arraycopy(ws.linearOut, from + r, ws.linearAlpha, to, r);
                }
            }
        }
        if (qkvz != null) {
            splitInterleaved(ws, tokens, r);
        }
    }

    /**
     * HF Qwen3-Next's {@code fix_query_key_value_ordering}: {@code ssm_in} gives per key head {@code g} its query, its
     * key, then the values and gates of value heads {@code g*r .. g*r+r-1}; regroup them as q (all heads), k, v and z.
     */
    private void splitInterleaved(Workspace ws, int tokens, int r) {
        int hd = c.headDim();
        int group = 2 * hd + 2 * r * hd;
        int channels = c.convChannels();
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < c.keyHeads(); g++) {
                int from = t * (channels + c.valueDim()) + g * group;
                int to = t * channels;
                System.arraycopy(ws.linearFused, from, ws.mixed, to + g * hd, hd);
                System.arraycopy(ws.linearFused, from + hd, ws.mixed, to + c.keyDim() + g * hd, hd);
                System.arraycopy(ws.linearFused, from + 2 * hd, ws.mixed, to + 2 * c.keyDim() + g * r * hd, r * hd);
                System.arraycopy(ws.linearFused, from + 2 * hd + r * hd, ws.linearGate, t * c.valueDim() + g * r * hd, r * hd);
            }
        }
    }

    /** A copy of the state {@code cache}'s sequence holds in this layer, or null when it has none. */
    State copyOf(KvCache cache) {
        State state = states.get(cache);
        return state == null ? null : state.copy();
    }

    /** Makes {@code cache}'s sequence hold a copy of {@code state} in this layer (it continues where that stopped). */
    void restore(KvCache cache, State state) {
        states.put(cache, state.copy());
    }

    /** The state to continue a sequence at {@code position}: a fresh one at 0, else the one that stopped just before. */
    private State stateAt(KvCache cache, int position) {
        State state = states.get(cache);
        if (position == 0) {
            if (state == null) {
                state = new State(c);
                states.put(cache, state);
            } else {
                state.clear();
            }
            return state;
        }
        int held = state == null ? 0 : state.tokens;
        if (held != position) {
            throw new IllegalStateException("a linear attention layer holds this sequence's state after " + held
                    + " tokens and cannot continue at position " + position
                    + " (a hybrid model's sequence cannot resume from a shorter cached prefix)");
        }
        return state;
    }

    /** ggml's {@code [taps, channels]} (taps fastest) as {@code [channels, taps]}. */
    private static float[] byTap(float[] byChannel, int taps, int channels) {
        float[] t = new float[byChannel.length];
        for (int ch = 0; ch < channels; ch++) {
            for (int j = 0; j < taps; j++) {
                t[j * channels + ch] = byChannel[ch * taps + j];
            }
        }
        return t;
    }

    /**
     * The causal convolution of one token's projected row (at {@code at} in {@code mixed}) with the state's last inputs,
     * then SiLU, in place; the raw row joins the state's inputs. Taps in ggml's {@code ssm_conv} order, oldest first.
     */
    private void convolve(State state, float[] mixed, int at) {
        int channels = c.convChannels();
        int taps = c.convKernel();
        float[] inputs = state.convInputs;
        // taps in ggml's order, oldest input first, the token's own row last
        java.util.Arrays.fill(convRow, 0f);
        for (int j = 0; j < taps - 1; j++) {
            VectorOps.multiplyAdd(inputs, j * channels, conv, j * channels, convRow, 0, channels);
        }
        VectorOps.multiplyAdd(mixed, at, conv, (taps - 1) * channels, convRow, 0, channels);
        if (taps > 1) {
            System.arraycopy(inputs, channels, inputs, 0, (taps - 2) * channels);
            System.arraycopy(mixed, at, inputs, (taps - 2) * channels, channels);
        }
        VectorOps.silu(convRow, 0, mixed, at, channels);
    }

    /** Each query and key head of a convolved row divided by {@code sqrt(sum of squares + eps)} (llama.cpp's l2 norm). */
    private void normalizeKeyHeads(float[] mixed, int at) {
        int headDim = c.headDim();
        for (int head = 0; head < 2 * c.keyHeads(); head++) {
            int from = at + head * headDim;
            float sum = VectorOps.dot(mixed, from, mixed, from, headDim);
            VectorOps.scale(mixed, from, (float) (1.0 / Math.sqrt(sum + eps)), headDim);
        }
    }

    /** One token of value head {@code h}: decay, delta-rule update and read-out, into {@code ws.linearOut}. */
    private void step(State state, int h, Workspace ws, int t, float[] d) {
        int headDim = c.headDim();
        int channels = c.convChannels();
        int keyHead = c.keyHeadOf(h);
        int q = t * channels + keyHead * headDim;
        int k = t * channels + c.keyDim() + keyHead * headDim;
        int v = t * channels + 2 * c.keyDim() + h * headDim;
        float g = Activations.softplus(ws.linearAlpha[t * c.valueHeads() + h] + dtBias[h]) * a[h];
        float b = Activations.sigmoid(ws.linearBeta[t * c.valueHeads() + h]);
        float[] s = state.matrix;
        int base = h * headDim * headDim;
        VectorOps.scale(s, base, (float) Math.exp(g), headDim * headDim);
        for (int j = 0; j < headDim; j++) {
            d[j] = (ws.mixed[v + j] - VectorOps.dot(s, base + j * headDim, ws.mixed, k, headDim)) * b;
        }
        for (int j = 0; j < headDim; j++) {
            VectorOps.axpy(d[j], ws.mixed, k, s, base + j * headDim, headDim);
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int o = t * c.valueDim() + h * headDim;
        for (int j = 0; j < headDim; j++) {
            ws.linearOut[o + j] = VectorOps.dot(s, base + j * headDim, ws.mixed, q, headDim) * scale;
        }
    }
}
