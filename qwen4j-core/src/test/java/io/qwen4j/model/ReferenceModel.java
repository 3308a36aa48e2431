package io.qwen4j.model;

import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * A plain, slow, double-precision forward pass written from HF modeling_qwen2/qwen2_moe/qwen3/qwen3_moe/qwen3_5/
 * qwen3_5_moe/qwen3_next, over the
 * dequantized weights and with no cache: every call recomputes all positions. The oracle for model tests.
 *
 * <p>Qwen3.5 follows GGUF's layout of its weights: llama.cpp's converter orders the linear attention's value heads so
 * that value head {@code h} reads key head {@code h mod keyHeads} (HF's repeat_interleave reads {@code h / ratio}),
 * stores {@code -exp(A_log)} as {@code ssm_a} and the norms' {@code 1 + weight}. Qwen3-Next keeps HF's head order
 * ({@code h / ratio}; {@link GatedDeltaNetConfig#valueHeadOrder}).
 */
final class ReferenceModel {

    private final ModelConfig c;
    private final Map<String, Tensor> w;
    private final Map<String, double[]> dequantized = new java.util.HashMap<>();
    /** What a cache keeps of one position's keys or values (all heads): as computed unless told otherwise. */
    private java.util.function.UnaryOperator<double[]> keptInCache = java.util.function.UnaryOperator.identity();

    ReferenceModel(ModelConfig config, Map<String, Tensor> weights) {
        this.c = config;
        this.w = weights;
    }

    /** Attention reads keys and values as {@code kept} returns them, as from a cache that stores them rounded. */
    ReferenceModel keepingInCache(java.util.function.UnaryOperator<double[]> kept) {
        this.keptInCache = kept;
        return this;
    }

    int hiddenSize() {
        return c.hiddenSize();
    }

    boolean has(String name) {
        return w.containsKey(name);
    }

    /** Dequantized tensor as a flat double array (ne0 fastest). */
    double[] flat(String name) {
        return dequantized.computeIfAbsent(name, this::dequantize);
    }

    private double[] dequantize(String name) {
        Tensor t = w.get(name);
        float[] f = new float[(int) t.elementCount()];
        QuantFormats.of(t.type()).dequantize(t.data(), 0, f, 0, f.length);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** y = W x for a weight stored as rows of {@code x.length} (HF nn.Linear without bias). */
    private static double[] linear(double[] weight, long weightOffset, double[] x, int outFeatures) {
        double[] y = new double[outFeatures];
        for (int r = 0; r < outFeatures; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += weight[(int) (weightOffset + (long) r * x.length + i)] * x[i];
            }
            y[r] = s;
        }
        return y;
    }

    double[] linear(String name, double[] x, int outFeatures) {
        double[] y = linear(flat(name + ".weight"), 0, x, outFeatures);
        if (w.containsKey(name + ".bias")) {
            double[] b = flat(name + ".bias");
            for (int i = 0; i < outFeatures; i++) {
                y[i] += b[i];
            }
        }
        return y;
    }

    double[] rmsNorm(double[] x, int from, int n, double[] weight) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += x[from + i] * x[from + i];
        }
        double inv = 1 / Math.sqrt(ss / n + c.rmsNormEps());
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = x[from + i] * inv * weight[i];
        }
        return y;
    }

    /** HF rotary inv_freq (default or YaRN) and attention scaling. */
    double[] inverseFrequencies() {
        int d = c.rotaryDim();
        double base = c.ropeTheta();
        double[] invFreq = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            invFreq[i] = 1 / Math.pow(base, 2.0 * i / d);
        }
        if (c.ropeScaling() instanceof RopeScaling.Yarn y) {
            int orig = y.originalContextLength();
            double lowDim = d * Math.log(orig / (y.betaFast() * 2 * Math.PI)) / (2 * Math.log(base));
            double highDim = d * Math.log(orig / (y.betaSlow() * 2 * Math.PI)) / (2 * Math.log(base));
            double low = Math.max(Math.floor(lowDim), 0);
            double high = Math.min(Math.ceil(highDim), d - 1);
            if (low == high) {
                high += 0.001;
            }
            for (int i = 0; i < d / 2; i++) {
                double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
                double extrapolationFactor = 1 - ramp;
                double inter = 1 / (y.factor() * Math.pow(base, 2.0 * i / d));
                double extra = 1 / Math.pow(base, 2.0 * i / d);
                invFreq[i] = inter * (1 - extrapolationFactor) + extra * extrapolationFactor;
            }
        }
        return invFreq;
    }

    double attentionScaling() {
        return c.ropeScaling() instanceof RopeScaling.Yarn y && y.factor() > 1 ? 0.1 * Math.log(y.factor()) + 1 : 1;
    }

    /**
     * q * cos + rotate_half(q) * sin on the first {@code rotaryDim} dimensions of one head at {@code from}, in place
     * (HF's partial rotary: the rest pass through).
     */
    private void rope(double[] v, int from, int position, double[] invFreq) {
        int half = c.rotaryDim() / 2;
        double scale = attentionScaling();
        double[] out = new double[c.rotaryDim()];
        for (int i = 0; i < c.rotaryDim(); i++) {
            double angle = position * invFreq[i % half];
            double rotated = i < half ? -v[from + i + half] : v[from + i - half];
            out[i] = v[from + i] * Math.cos(angle) * scale + rotated * Math.sin(angle) * scale;
        }
        System.arraycopy(out, 0, v, from, out.length);
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    private double[] mlp(double[] x, double[] gateW, double[] upW, double[] downW,
                         long gateOff, long downOff, int ffn) {
        double[] g = linear(gateW, gateOff, x, ffn);
        double[] u = linear(upW, gateOff, x, ffn);
        double[] h = new double[ffn];
        for (int i = 0; i < ffn; i++) {
            h[i] = silu(g[i]) * u[i];
        }
        return linear(downW, downOff, h, c.hiddenSize());
    }

    private double[] feedForward(int layer, double[] x) {
        String p = "blk." + layer + ".";
        int dim = c.hiddenSize();
        if (!w.containsKey(p + "ffn_gate_inp.weight")) {
            int ffn = c.intermediateSize();
            return mlp(x, flat(p + "ffn_gate.weight"), flat(p + "ffn_up.weight"), flat(p + "ffn_down.weight"), 0, 0, ffn);
        }
        // Qwen3MoeSparseMoeBlock: softmax over router logits, top-k, renormalise (not in Qwen2-MoE), weighted experts,
        // plus Qwen2MoeSparseMoeBlock's shared expert times sigmoid(shared_expert_gate(x)) where the model has one.
        int e = c.numExperts();
        int ffn = c.moeIntermediateSize();
        double[] logits = linear(flat(p + "ffn_gate_inp.weight"), 0, x, e);
        double max = Arrays.stream(logits).max().orElseThrow();
        double sum = 0;
        double[] probs = new double[e];
        for (int i = 0; i < e; i++) {
            probs[i] = Math.exp(logits[i] - max);
            sum += probs[i];
        }
        Integer[] order = new Integer[e];
        for (int i = 0; i < e; i++) {
            order[i] = i;
            probs[i] /= sum;
        }
        Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
        double topSum = 0;
        for (int j = 0; j < c.numExpertsUsed(); j++) {
            topSum += probs[order[j]];
        }
        if (c.architecture().equals("qwen2moe")) {
            topSum = 1;
        }
        double[] gateW = flat(p + "ffn_gate_exps.weight");
        double[] upW = flat(p + "ffn_up_exps.weight");
        double[] downW = flat(p + "ffn_down_exps.weight");
        double[] y = new double[dim];
        for (int j = 0; j < c.numExpertsUsed(); j++) {
            int expert = order[j];
            double[] out = mlp(x, gateW, upW, downW, (long) expert * ffn * dim, (long) expert * dim * ffn, ffn);
            for (int i = 0; i < dim; i++) {
                y[i] += probs[expert] / topSum * out[i];
            }
        }
        if (w.containsKey(p + "ffn_up_shexp.weight")) {
            int shared = flat(p + "ffn_up_shexp.weight").length / dim;
            double[] out = mlp(x, flat(p + "ffn_gate_shexp.weight"), flat(p + "ffn_up_shexp.weight"),
                    flat(p + "ffn_down_shexp.weight"), 0, 0, shared);
            double gate = sigmoid(linear(flat(p + "ffn_gate_inp_shexp.weight"), 0, x, 1)[0]);
            for (int i = 0; i < dim; i++) {
                y[i] += gate * out[i];
            }
        }
        return y;
    }

    /** Logits of every position of {@code tokens} (positions 0..n-1). */
    double[][] logits(int[] tokens) {
        double[] head = flat(w.containsKey("output.weight") ? "output.weight" : "token_embd.weight");
        double[][] hidden = hiddenStates(tokens);
        double[][] logits = new double[hidden.length][];
        for (int t = 0; t < hidden.length; t++) {
            logits[t] = linear(head, 0, hidden[t], c.vocabSize());
        }
        return logits;
    }

    /** {@code y = W x} for rows {@code rows} of the tensor {@code name} (a classifier head, chosen LM head rows). */
    double[] rows(String name, int[] rows, double[] x) {
        double[] weight = flat(name);
        double[] y = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            y[r] = linear(weight, (long) rows[r] * x.length, x, 1)[0];
        }
        return y;
    }

    /** The hidden state of every position after the final norm (HF's {@code last_hidden_state}). */
    double[][] hiddenStates(int[] tokens) {
        int n = tokens.length;
        int dim = c.hiddenSize();
        double[] embedding = flat("token_embd.weight");
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = Arrays.copyOfRange(embedding, tokens[t] * dim, (tokens[t] + 1) * dim);
        }
        double[] invFreq = inverseFrequencies();
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "blk." + l + ".";
            double[][] normed = new double[n][];
            for (int t = 0; t < n; t++) {
                normed[t] = rmsNorm(x[t], 0, dim, flat(p + "attn_norm.weight"));
            }
            double[][] mixed = c.isHybrid() && c.gatedDeltaNet().isLinear(l)
                    ? new ReferenceGatedDeltaNet(this, c.gatedDeltaNet(), c.architecture()).forward(p, normed) : attention(p, normed, invFreq);
            String ffnNorm = w.containsKey(p + "post_attention_norm.weight") ? "post_attention_norm.weight" : "ffn_norm.weight";
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < dim; i++) {
                    x[t][i] += mixed[t][i];
                }
                double[] ffn = feedForward(l, rmsNorm(x[t], 0, dim, flat(p + ffnNorm)));
                for (int i = 0; i < dim; i++) {
                    x[t][i] += ffn[i];
                }
            }
        }
        double[][] hidden = new double[n][];
        for (int t = 0; t < n; t++) {
            hidden[t] = rmsNorm(x[t], 0, dim, flat("output_norm.weight"));
        }
        return hidden;
    }

    /**
     * Causal softmax attention of every position (HF {@code Qwen3Attention}); with Qwen3.5's output gate
     * ({@code Qwen3_5Attention}) when q_proj is twice as wide: per head, the query and then its gate.
     */
    private double[][] attention(String p, double[][] normed, double[] invFreq) {
        int n = normed.length;
        int dim = c.hiddenSize();
        int hd = c.headDim();
        boolean gated = flat(p + "attn_q.weight").length == 2L * c.queryDim() * dim;
        double[][] q = new double[n][], k = new double[n][], v = new double[n][], gate = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] h = normed[t];
            if (gated) {
                double[] qg = linear(p + "attn_q", h, 2 * c.queryDim());
                q[t] = new double[c.queryDim()];
                gate[t] = new double[c.queryDim()];
                for (int head = 0; head < c.numHeads(); head++) {
                    System.arraycopy(qg, head * 2 * hd, q[t], head * hd, hd);
                    System.arraycopy(qg, head * 2 * hd + hd, gate[t], head * hd, hd);
                }
            } else {
                q[t] = linear(p + "attn_q", h, c.queryDim());
            }
            k[t] = linear(p + "attn_k", h, c.keyValueDim());
            v[t] = linear(p + "attn_v", h, c.keyValueDim());
            if (w.containsKey(p + "attn_q_norm.weight")) {
                for (int head = 0; head < c.numHeads(); head++) {
                    System.arraycopy(rmsNorm(q[t], head * hd, hd, flat(p + "attn_q_norm.weight")), 0, q[t], head * hd, hd);
                }
                for (int head = 0; head < c.numKeyValueHeads(); head++) {
                    System.arraycopy(rmsNorm(k[t], head * hd, hd, flat(p + "attn_k_norm.weight")), 0, k[t], head * hd, hd);
                }
            }
            for (int head = 0; head < c.numHeads(); head++) {
                rope(q[t], head * hd, t, invFreq);
            }
            for (int head = 0; head < c.numKeyValueHeads(); head++) {
                rope(k[t], head * hd, t, invFreq);
            }
            k[t] = keptInCache.apply(k[t]);
            v[t] = keptInCache.apply(v[t]);
        }
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] attn = new double[c.queryDim()];
            for (int head = 0; head < c.numHeads(); head++) {
                int kvHead = head / (c.numHeads() / c.numKeyValueHeads());
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[t][head * hd + i] * k[s][kvHead * hd + i];
                    }
                    scores[s] = dot / Math.sqrt(hd);
                    max = Math.max(max, scores[s]);
                }
                double sum = 0;
                for (int s = 0; s <= t; s++) {
                    scores[s] = Math.exp(scores[s] - max);
                    sum += scores[s];
                }
                for (int s = 0; s <= t; s++) {
                    for (int i = 0; i < hd; i++) {
                        attn[head * hd + i] += scores[s] / sum * v[s][kvHead * hd + i];
                    }
                }
            }
            if (gated) {
                for (int i = 0; i < attn.length; i++) {
                    attn[i] *= sigmoid(gate[t][i]);
                }
            }
            out[t] = linear(p + "attn_output", attn, dim);
        }
        return out;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
