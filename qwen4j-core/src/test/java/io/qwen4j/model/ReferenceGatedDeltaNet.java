package io.qwen4j.model;

/**
 * The test reference's Qwen3.5 / Qwen3-Next linear attention, for {@link ReferenceModel}: double precision, written from
 * HF, over the dequantized GGUF weights (see {@link ReferenceModel} for GGUF's head order and stored {@code ssm_a}).
 */
final class ReferenceGatedDeltaNet {

    private final ReferenceModel model;
    private final GatedDeltaNetConfig g;
    private final boolean hfHeadOrder;

    ReferenceGatedDeltaNet(ReferenceModel model, GatedDeltaNetConfig g, String architecture) {
        this.model = model;
        this.g = g;
        this.hfHeadOrder = architecture.equals("qwen3next");
    }

    /**
     * HF {@code Qwen3_5GatedDeltaNet} with {@code torch_recurrent_gated_delta_rule}: a causal depthwise convolution and
     * SiLU over the q/k/v projection, l2-normalised q and k (eps 1e-6), q scaled by 1/sqrt(head size), then per value
     * head the state {@code S} (key x value) decays by exp(g), takes the delta rule's update and is read by q; the
     * output is RMS-normalised per head, times its weight and silu(z), and projected.
     */
    double[][] forward(String p, double[][] normed) {
        int n = normed.length;
        int dim = model.hiddenSize();
        int hd = g.headDim();
        int channels = g.convChannels();
        int taps = g.convKernel();
        double[] conv = model.flat(p + "ssm_conv1d.weight");
        double[] a = model.flat(p + "ssm_a");
        double[] dt = model.flat(p + "ssm_dt.bias");
        double[] normWeight = model.flat(p + "ssm_norm.weight");
        double[][] projected = new double[n][];
        double[][] zs = new double[n][];
        double[][] betas = new double[n][];
        double[][] alphas = new double[n][];
        for (int t = 0; t < n; t++) {
            projectQkvz(p, normed[t], projected, zs, t);
            projectBetaAlpha(p, normed[t], betas, alphas, t);
        }
        double[][][] state = new double[g.valueHeads()][hd][hd];
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] m = new double[channels];
            for (int ch = 0; ch < channels; ch++) {
                double sum = 0;
                for (int j = 0; j < taps; j++) {
                    int source = t - (taps - 1) + j;
                    if (source >= 0) {
                        sum += conv[ch * taps + j] * projected[source][ch];
                    }
                }
                m[ch] = sum / (1 + Math.exp(-sum));
            }
            double[] z = zs[t];
            double[] b = betas[t];
            double[] alpha = alphas[t];
            double[] o = new double[g.valueDim()];
            for (int h = 0; h < g.valueHeads(); h++) {
                // llama.cpp's qwen3next converter keeps HF's repeat_interleave order; its qwen35 one tiles the heads
                int keyHead = hfHeadOrder ? h / (g.valueHeads() / g.keyHeads()) : h % g.keyHeads();
                double[] q = l2normalized(m, keyHead * hd, hd);
                double[] k = l2normalized(m, g.keyDim() + keyHead * hd, hd);
                for (int i = 0; i < hd; i++) {
                    q[i] /= Math.sqrt(hd);
                }
                double x = alpha[h] + dt[h];
                double decay = Math.exp(a[h] * (x > 20 ? x : Math.log1p(Math.exp(x))));
                double beta = ReferenceModel.sigmoid(b[h]);
                double[][] s = state[h];
                double[] delta = new double[hd];
                for (int j = 0; j < hd; j++) {
                    double kv = 0;
                    for (int i = 0; i < hd; i++) {
                        s[i][j] *= decay;
                        kv += s[i][j] * k[i];
                    }
                    delta[j] = (m[2 * g.keyDim() + h * hd + j] - kv) * beta;
                }
                for (int i = 0; i < hd; i++) {
                    for (int j = 0; j < hd; j++) {
                        s[i][j] += k[i] * delta[j];
                    }
                }
                for (int j = 0; j < hd; j++) {
                    double read = 0;
                    for (int i = 0; i < hd; i++) {
                        read += s[i][j] * q[i];
                    }
                    o[h * hd + j] = read;
                }
                double[] normedHead = model.rmsNorm(o, h * hd, hd, normWeight);
                for (int j = 0; j < hd; j++) {
                    double gz = z[h * hd + j];
                    o[h * hd + j] = normedHead[j] * gz / (1 + Math.exp(-gz));
                }
            }
            out[t] = model.linear(p + "ssm_out", o, dim);
        }
        return out;
    }

    /**
     * q, k, v (concatenated) and z of one token. Qwen3.5 files hold {@code attn_qkv} and {@code attn_gate}; older
     * Qwen3-Next files hold HF's {@code in_proj_qkvz} as {@code ssm_in}, regrouped here as HF's
     * {@code fix_query_key_value_ordering} does: viewed as (key heads, [q hd | k hd | v r*hd | z r*hd]).
     */
    private void projectQkvz(String p, double[] x, double[][] qkv, double[][] z, int t) {
        if (!model.has(p + "ssm_in.weight")) {
            qkv[t] = model.linear(p + "attn_qkv", x, g.convChannels());
            z[t] = model.linear(p + "attn_gate", x, g.valueDim());
            return;
        }
        int hd = g.headDim();
        int r = g.valueHeads() / g.keyHeads();
        double[] all = model.linear(p + "ssm_in", x, g.convChannels() + g.valueDim());
        double[] q = new double[g.keyDim()], k = new double[g.keyDim()], v = new double[g.valueDim()];
        z[t] = new double[g.valueDim()];
        for (int head = 0; head < g.keyHeads(); head++) {
            int base = head * (2 * hd + 2 * r * hd);
            for (int i = 0; i < hd; i++) {
                q[head * hd + i] = all[base + i];
                k[head * hd + i] = all[base + hd + i];
            }
            for (int i = 0; i < r * hd; i++) {
                v[head * r * hd + i] = all[base + 2 * hd + i];
                z[t][head * r * hd + i] = all[base + 2 * hd + r * hd + i];
            }
        }
        qkv[t] = new double[g.convChannels()];
        System.arraycopy(q, 0, qkv[t], 0, q.length);
        System.arraycopy(k, 0, qkv[t], q.length, k.length);
        System.arraycopy(v, 0, qkv[t], 2 * q.length, v.length);
    }

    /** b and a of one token: {@code ssm_beta}/{@code ssm_alpha}, or Qwen3-Next's {@code in_proj_ba} viewed as (key heads, [b r | a r]). */
    private void projectBetaAlpha(String p, double[] x, double[][] beta, double[][] alpha, int t) {
        if (!model.has(p + "ssm_ba.weight")) {
            beta[t] = model.linear(p + "ssm_beta", x, g.valueHeads());
            alpha[t] = model.linear(p + "ssm_alpha", x, g.valueHeads());
            return;
        }
        int r = g.valueHeads() / g.keyHeads();
        double[] ba = model.linear(p + "ssm_ba", x, 2 * g.valueHeads());
        beta[t] = new double[g.valueHeads()];
        alpha[t] = new double[g.valueHeads()];
        for (int head = 0; head < g.keyHeads(); head++) {
            for (int j = 0; j < r; j++) {
                beta[t][head * r + j] = ba[head * 2 * r + j];
                alpha[t][head * r + j] = ba[head * 2 * r + r + j];
            }
        }
    }

    private static double[] l2normalized(double[] x, int from, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += x[from + i] * x[from + i];
        }
        double inv = 1 / Math.sqrt(ss + 1e-6);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = x[from + i] * inv;
        }
        return y;
    }
}
