package io.qwen4j.model;

import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Random, seeded weights for a config, named and shaped as llama.cpp's converter writes GGUF. Matrices
 * (including token_embd/output and experts) are stored as {@code matrixType}; norms, biases and the MoE
 * router stay F32 as in real files. Scales keep activations O(1) and logits a few units wide.
 */
final class SyntheticWeights implements WeightSource {

    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Random random;
    private final TensorType matrixType;

    /** Which layers of a MoE model get a dense MLP instead of experts. */
    SyntheticWeights(ModelConfig c, TensorType matrixType, long seed, int... denseLayers) {
        this.random = new Random(seed);
        this.matrixType = matrixType;
        int dim = c.hiddenSize();
        matrix("token_embd.weight", 1.0, dim, c.vocabSize());
        if (!c.tieWordEmbeddings()) {
            matrix("output.weight", 3.0 / Math.sqrt(dim), dim, c.vocabSize());
        }
        norm("output_norm.weight", dim);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "blk." + l + ".";
            norm(p + "attn_norm.weight", dim);
            if (c.isHybrid()) {
                hybridLayer(c, p, l);
                feedForward(c, p, !c.isMixtureOfExperts() || contains(denseLayers, l));
                continue;
            }
            norm(p + "ffn_norm.weight", dim);
            matrix(p + "attn_q.weight", 1 / Math.sqrt(dim), dim, c.queryDim());
            matrix(p + "attn_k.weight", 1 / Math.sqrt(dim), dim, c.keyValueDim());
            matrix(p + "attn_v.weight", 1 / Math.sqrt(dim), dim, c.keyValueDim());
            matrix(p + "attn_output.weight", 1 / Math.sqrt(c.queryDim()), c.queryDim(), dim);
            if (c.architecture().startsWith("qwen2")) {
                f32(p + "attn_q.bias", 0.2, c.queryDim());
                f32(p + "attn_k.bias", 0.2, c.keyValueDim());
                f32(p + "attn_v.bias", 0.2, c.keyValueDim());
            } else {
                norm(p + "attn_q_norm.weight", c.headDim());
                norm(p + "attn_k_norm.weight", c.headDim());
            }
            feedForward(c, p, !c.isMixtureOfExperts() || contains(denseLayers, l));
        }
    }

    /**
     * A dense SwiGLU MLP, or a router with 3-D expert tensors and, when the config sizes one, a shared expert
     * ({@code ffn_*_shexp} and its one-row gate {@code ffn_gate_inp_shexp}, stored [n_embd, 1] as HF's Linear(n, 1)).
     */
    private void feedForward(ModelConfig c, String p, boolean dense) {
        int dim = c.hiddenSize();
        if (dense) {
            int ffn = c.intermediateSize();
            matrix(p + "ffn_gate.weight", 1 / Math.sqrt(dim), dim, ffn);
            matrix(p + "ffn_up.weight", 1 / Math.sqrt(dim), dim, ffn);
            matrix(p + "ffn_down.weight", 1 / Math.sqrt(ffn), ffn, dim);
            return;
        }
        int e = c.numExperts();
        int ffn = c.moeIntermediateSize();
        f32(p + "ffn_gate_inp.weight", 2 / Math.sqrt(dim), dim, e);
        matrix(p + "ffn_gate_exps.weight", 1 / Math.sqrt(dim), dim, ffn, e);
        matrix(p + "ffn_up_exps.weight", 1 / Math.sqrt(dim), dim, ffn, e);
        matrix(p + "ffn_down_exps.weight", 1 / Math.sqrt(ffn), ffn, dim, e);
        int shared = c.sharedExpertIntermediateSize();
        if (shared > 0) {
            f32(p + "ffn_gate_inp_shexp.weight", 1 / Math.sqrt(dim), dim, 1);
            matrix(p + "ffn_gate_shexp.weight", 1 / Math.sqrt(dim), dim, shared);
            matrix(p + "ffn_up_shexp.weight", 1 / Math.sqrt(dim), dim, shared);
            matrix(p + "ffn_down_shexp.weight", 1 / Math.sqrt(shared), shared, dim);
        }
    }

    /**
     * A Qwen3.5 / Qwen3-Next layer's token mixer after its input norm: linear attention or gated attention (GGUF names;
     * Qwen3-Next's fused beta/alpha, and in layer 0 the older interleaved {@code ssm_in}).
     */
    private void hybridLayer(ModelConfig c, String p, int layer) {
        int dim = c.hiddenSize();
        GatedDeltaNetConfig g = c.gatedDeltaNet();
        norm(p + "post_attention_norm.weight", dim);
        boolean qwen3Next = c.architecture().equals("qwen3next");
        if (g.isLinear(layer)) {
            if (qwen3Next && layer == 0) {
                // older Qwen3-Next files: q, k, v and z interleaved per key head in one projection
                matrix(p + "ssm_in.weight", 1 / Math.sqrt(dim), dim, g.convChannels() + g.valueDim());
            } else {
                matrix(p + "attn_qkv.weight", 1 / Math.sqrt(dim), dim, g.convChannels());
                matrix(p + "attn_gate.weight", 1 / Math.sqrt(dim), dim, g.valueDim());
            }
            f32(p + "ssm_conv1d.weight", 0.5, g.convKernel(), g.convChannels());
            f32(p + "ssm_dt.bias", 0.5, g.valueHeads());
            float[] a = new float[g.valueHeads()];
            for (int h = 0; h < a.length; h++) {
                a[h] = (float) -Math.exp(random.nextGaussian() * 0.5); // -exp(A_log): every head's state decays
            }
            put(p + "ssm_a", TensorType.F32, a, a.length);
            if (qwen3Next) {
                matrix(p + "ssm_ba.weight", 1 / Math.sqrt(dim), dim, 2 * g.valueHeads());
            } else {
                matrix(p + "ssm_beta.weight", 1 / Math.sqrt(dim), dim, g.valueHeads());
                matrix(p + "ssm_alpha.weight", 1 / Math.sqrt(dim), dim, g.valueHeads());
            }
            norm(p + "ssm_norm.weight", g.headDim());
            matrix(p + "ssm_out.weight", 1 / Math.sqrt(g.valueDim()), g.valueDim(), dim);
        } else {
            matrix(p + "attn_q.weight", 1 / Math.sqrt(dim), dim, 2 * c.queryDim());
            matrix(p + "attn_k.weight", 1 / Math.sqrt(dim), dim, c.keyValueDim());
            matrix(p + "attn_v.weight", 1 / Math.sqrt(dim), dim, c.keyValueDim());
            matrix(p + "attn_output.weight", 1 / Math.sqrt(c.queryDim()), c.queryDim(), dim);
            norm(p + "attn_q_norm.weight", c.headDim());
            norm(p + "attn_k_norm.weight", c.headDim());
        }
    }

    /** Adds a reranker's classifier head, {@code classes} rows of the hidden size (llama.cpp's {@code cls.output}). */
    SyntheticWeights withClassifier(ModelConfig c, int classes) {
        matrix("cls.output.weight", 3.0 / Math.sqrt(c.hiddenSize()), c.hiddenSize(), classes);
        return this;
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    private void norm(String name, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.2 * random.nextGaussian());
        }
        put(name, TensorType.F32, v, n);
    }

    private void f32(String name, double std, long... shape) {
        put(name, TensorType.F32, gaussian(std, shape), shape);
    }

    private void matrix(String name, double std, long... shape) {
        put(name, matrixType, gaussian(std, shape), shape);
    }

    private float[] gaussian(double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * random.nextGaussian());
        }
        return v;
    }

    void put(String name, TensorType type, float[] values, long... shape) {
        var segment = MemorySegment.ofArray(new byte[(int) type.bytesFor(values.length)]);
        QuantFormats.of(type).quantize(values, 0, values.length, segment, 0);
        tensors.put(name, new Tensor(name, type, shape, segment));
    }
}
