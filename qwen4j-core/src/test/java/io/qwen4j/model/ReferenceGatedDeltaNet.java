package io.qwen4j.model;

/**
 * The test reference's Qwen3.5 linear attention, for {@link ReferenceModel}: double precision, written from HF, over
 * the dequantized GGUF weights (see {@link ReferenceModel} for GGUF's head order and stored {@code ssm_a}).
 */
final class ReferenceGatedDeltaNet {

    private final ReferenceModel model;
    private final GatedDeltaNetConfig g;

    ReferenceGatedDeltaNet(ReferenceModel model, GatedDeltaNetConfig g) {
        this.model = model;
        this.g = g;
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
        for (int t = 0; t < n; t++) {
            projected[t] = model.linear(p + "attn_qkv", normed[t], channels);
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
            double[] z = model.linear(p + "attn_gate", normed[t], g.valueDim());
            double[] b = model.linear(p + "ssm_beta", normed[t], g.valueHeads());
            double[] alpha = model.linear(p + "ssm_alpha", normed[t], g.valueHeads());
            double[] o = new double[g.valueDim()];
            for (int h = 0; h < g.valueHeads(); h++) {
                int keyHead = h % g.keyHeads();
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
