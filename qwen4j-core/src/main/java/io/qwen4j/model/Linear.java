package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.MatMul;
import io.qwen4j.kernels.VectorOps;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import java.util.Optional;

/** HF {@code nn.Linear}: a weight matrix in any storage format and an optional F32 bias. */
record Linear(Tensor weight, float[] bias, int inFeatures, int outFeatures) {

    /** Loads {@code NAME.weight} (and {@code NAME.bias} when {@code withBias}), checking shapes. */
    static Linear load(WeightSource source, String name, int inFeatures, int outFeatures, boolean withBias) {
        Tensor w = source.tensor(name + ".weight", inFeatures, outFeatures);
        float[] bias = withBias ? vector(source, name + ".bias", outFeatures) : null;
        return new Linear(w, bias, inFeatures, outFeatures);
    }

    /** Loads the bias when the file has one (Qwen3 configs may set attention_bias). */
    static Linear loadOptionalBias(WeightSource source, String name, int inFeatures, int outFeatures) {
        return load(source, name, inFeatures, outFeatures, source.find(name + ".bias").isPresent());
    }

    /** {@code out[t * outFeatures ...] = W x[t * inFeatures ...] + b} for {@code tokens} rows. */
    void apply(ComputePool pool, float[] in, int tokens, float[] out) {
        MatMul.matmul(pool, weight, in, tokens, out);
        if (bias != null) {
            for (int t = 0; t < tokens; t++) {
                VectorOps.add(bias, 0, out, t * outFeatures, outFeatures);
            }
        }
    }

    /** Each of {@code linears} applied to the same input rows, in one parallel pass (q/k/v, gate/up). */
    static void applyAll(ComputePool pool, float[] in, int tokens, Linear[] linears, float[][] outs) {
        Tensor[] weights = new Tensor[linears.length];
        for (int i = 0; i < linears.length; i++) {
            weights[i] = linears[i].weight;
        }
        MatMul.matmulShared(pool, weights, in, tokens, outs);
        for (int i = 0; i < linears.length; i++) {
            Linear l = linears[i];
            if (l.bias != null) {
                for (int t = 0; t < tokens; t++) {
                    VectorOps.add(l.bias, 0, outs[i], t * l.outFeatures, l.outFeatures);
                }
            }
        }
    }

    /** A 1-D tensor (norm weight, bias) dequantized to floats. */
    static float[] vector(WeightSource source, String name, int length) {
        Tensor t = source.tensor(name, length);
        float[] v = new float[length];
        QuantFormats.of(t.type()).dequantize(t.data(), 0, v, 0, length);
        return v;
    }

    static Optional<float[]> optionalVector(WeightSource source, String name, int length) {
        return source.find(name).map(t -> vector(source, name, length));
    }
}
