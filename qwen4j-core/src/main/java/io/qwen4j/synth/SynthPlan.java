package io.qwen4j.synth;

import io.qwen4j.InvalidInputException;
import io.qwen4j.convert.QuantMix;
import io.qwen4j.model.GatedDeltaNetConfig;
import io.qwen4j.model.Model;
import io.qwen4j.tensor.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a synthetic model, named and shaped exactly as llama.cpp's converter writes them for
 * every architecture of {@link SynthSpec#ARCHITECTURES}, with the scale of their random values.
 *
 * <p>Why these scales: each projection has std 1/sqrt(fan_in), so activations keep unit size through
 * the layers; the token embedding is small (0.02) so the residual stream is dominated by what the layers
 * compute from the context rather than by the current token (with tied embeddings a dominant input
 * embedding makes greedy decoding repeat the input token forever); the final norm's gain is then chosen
 * so that logits have a standard deviation of about {@link #LOGIT_STD} units.
 */
public final class SynthPlan {

    /** Target standard deviation of the logits. */
    static final double LOGIT_STD = 3.0;
    static final double EMBEDDING_STD = 0.02;

    /** One tensor to write: values are uniform with the given mean and standard deviation. */
    public record PlannedTensor(String name, long[] shape, TensorType type, double mean, double std) {
        public long rows() {
            long rows = 1;
            for (int i = 1; i < shape.length; i++) {
                rows *= shape[i];
            }
            return rows;
        }
    }

    private SynthPlan() {
    }

    public static List<PlannedTensor> plan(SynthSpec spec) {
        return plan(spec, SynthHead.NONE);
    }

    /** The spec's tensors, and a classifier head last when {@code head} has one. */
    public static List<PlannedTensor> plan(SynthSpec spec, SynthHead head) {
        var tensors = new ArrayList<PlannedTensor>();
        int dim = spec.hiddenSize();
        int qDim = spec.heads() * spec.headDim();
        int kvDim = spec.kvHeads() * spec.headDim();
        // which layers are linear, decided as the engine decides it from the metadata the writer puts down
        GatedDeltaNetConfig linearLayers = SyntheticModelWriter.modelConfig(spec).gatedDeltaNet();

        tensors.add(matrix(spec, "token_embd.weight", spec.embeddingType(), dim, spec.vocabSize(), EMBEDDING_STD));
        for (int layer = 0; layer < spec.layers(); layer++) {
            String blk = "blk." + layer + ".";
            tensors.add(norm(blk + "attn_norm.weight", dim, 1.0));
            if (spec.isHybrid()) {
                hybridMixer(spec, blk, linearLayers.isLinear(layer), tensors);
                tensors.add(norm(blk + "post_attention_norm.weight", dim, 1.0));
                feedForward(spec, blk, tensors);
                continue;
            }
            tensors.add(matrix(spec, blk + "attn_q.weight", spec.matrixType(), dim, qDim, 1 / Math.sqrt(dim)));
            tensors.add(matrix(spec, blk + "attn_k.weight", spec.matrixType(), dim, kvDim, 1 / Math.sqrt(dim)));
            tensors.add(matrix(spec, blk + "attn_v.weight", spec.matrixType(), dim, kvDim, 1 / Math.sqrt(dim)));
            if (spec.hasQkNorm()) {
                tensors.add(norm(blk + "attn_q_norm.weight", spec.headDim(), 1.0));
                tensors.add(norm(blk + "attn_k_norm.weight", spec.headDim(), 1.0));
            } else {
                tensors.add(bias(blk + "attn_q.bias", qDim));
                tensors.add(bias(blk + "attn_k.bias", kvDim));
                tensors.add(bias(blk + "attn_v.bias", kvDim));
            }
            tensors.add(matrix(spec, blk + "attn_output.weight", spec.matrixType(), qDim, dim, 1 / Math.sqrt(qDim)));
            tensors.add(norm(blk + "ffn_norm.weight", dim, 1.0));
            feedForward(spec, blk, tensors);
        }
        for (int m = 0; m < (spec.isHybrid() ? spec.linear().mtpLayers() : 0); m++) {
            mtpBlock(spec, "blk." + (spec.layers() + m) + ".", tensors);
        }
        double outputStd = LOGIT_STD / Math.sqrt(dim);
        if (spec.tiedEmbeddings()) {
            // Logits = gain * normalised state · embedding rows: the gain restores the logit scale.
            tensors.add(norm("output_norm.weight", dim, outputStd / EMBEDDING_STD));
        } else {
            tensors.add(norm("output_norm.weight", dim, 1.0));
            tensors.add(matrix(spec, "output.weight", spec.embeddingType(), dim, spec.vocabSize(), outputStd));
        }
        if (head.hasClassifier()) {
            // Class logits of std ~1 (a third of the LM head's scale: the final state is scaled as for the LM head),
            // so scores spread over (0, 1) instead of sitting at its ends. F32, as a row per class is tiny.
            double rowStd = (spec.tiedEmbeddings() ? EMBEDDING_STD : outputStd) / LOGIT_STD;
            tensors.add(new PlannedTensor(Model.CLASSIFIER_TENSOR, new long[] {dim, head.classifierLabels().size()},
                    TensorType.F32, 0, rowStd));
        }
        return tensors;
    }

    /**
     * The MLP: dense SwiGLU, or a router (F32, as llama.cpp keeps it) with 3-D expert tensors and, in the architectures
     * that have one, the shared expert ({@code ffn_*_shexp}, {@link SynthSpec#ffn} wide) and its one-row gate, F32 and
     * [n_embd, 1] as the converter writes HF's {@code Linear(n_embd, 1)}.
     */
    private static void feedForward(SynthSpec spec, String blk, List<PlannedTensor> tensors) {
        int dim = spec.hiddenSize();
        if (spec.isMoe()) {
            int e = spec.experts();
            int f = spec.moeFfn();
            // Router logits of std ~2 make the top-k choice clear-cut.
            tensors.add(new PlannedTensor(blk + "ffn_gate_inp.weight", new long[] {dim, e}, TensorType.F32,
                    0, 2 / Math.sqrt(dim)));
            tensors.add(matrix(spec, blk + "ffn_gate_exps.weight", spec.matrixType(), new long[] {dim, f, e}, 1 / Math.sqrt(dim)));
            tensors.add(matrix(spec, blk + "ffn_up_exps.weight", spec.matrixType(), new long[] {dim, f, e}, 1 / Math.sqrt(dim)));
            tensors.add(matrix(spec, blk + "ffn_down_exps.weight", spec.matrixType(), new long[] {f, dim, e}, 1 / Math.sqrt(f)));
            if (!spec.hasSharedExpert()) {
                return;
            }
            tensors.add(new PlannedTensor(blk + "ffn_gate_inp_shexp.weight", new long[] {dim, 1}, TensorType.F32,
                    0, 1 / Math.sqrt(dim)));
        }
        String suffix = spec.hasSharedExpert() ? "_shexp" : "";
        int f = spec.ffn();
        tensors.add(matrix(spec, blk + "ffn_gate" + suffix + ".weight", spec.matrixType(), dim, f, 1 / Math.sqrt(dim)));
        tensors.add(matrix(spec, blk + "ffn_up" + suffix + ".weight", spec.matrixType(), dim, f, 1 / Math.sqrt(dim)));
        tensors.add(matrix(spec, blk + "ffn_down" + suffix + ".weight", spec.matrixType(), f, dim, 1 / Math.sqrt(f)));
    }

    /**
     * A multi-token-prediction block as the converter stores Qwen3.5's and Qwen3-Next's {@code mtp.*}: a gated-attention
     * layer, its MLP, and the projection of [embedding; hidden state] with its two norms. The engine skips it.
     */
    private static void mtpBlock(SynthSpec spec, String blk, List<PlannedTensor> tensors) {
        int dim = spec.hiddenSize();
        tensors.add(norm(blk + "attn_norm.weight", dim, 1.0));
        hybridMixer(spec, blk, false, tensors);
        tensors.add(norm(blk + "post_attention_norm.weight", dim, 1.0));
        feedForward(spec, blk, tensors);
        tensors.add(matrix(spec, blk + "nextn.eh_proj.weight", spec.matrixType(), 2 * dim, dim, 1 / Math.sqrt(2 * dim)));
        tensors.add(norm(blk + "nextn.enorm.weight", dim, 1.0));
        tensors.add(norm(blk + "nextn.hnorm.weight", dim, 1.0));
        tensors.add(norm(blk + "nextn.shared_head_norm.weight", dim, 1.0));
    }

    /**
     * A hybrid layer's token mixer after its input norm, as llama.cpp's converter names it: linear attention
     * ({@code attn_qkv}, {@code attn_gate}, {@code ssm_*}; qwen3next: {@code ssm_ba}, optionally the older
     * {@code ssm_in}) or gated attention (a q projection twice as wide). {@code ssm_a} is {@code -exp(A_log)}, so
     * negative: each head's state decays.
     */
    private static void hybridMixer(SynthSpec spec, String blk, boolean linearLayer, List<PlannedTensor> tensors) {
        int dim = spec.hiddenSize();
        int qDim = spec.heads() * spec.headDim();
        int kvDim = spec.kvHeads() * spec.headDim();
        SynthSpec.Linear linear = spec.linear();
        double s = 1 / Math.sqrt(dim);
        boolean qwen3Next = spec.architecture().equals("qwen3next");
        if (linearLayer) {
            int keyDim = linear.keyHeads() * linear.headDim();
            int valueDim = linear.valueHeads() * linear.headDim();
            int channels = 2 * keyDim + valueDim;
            if (linear.interleavedQkvz()) {
                tensors.add(matrix(spec, blk + "ssm_in.weight", spec.matrixType(), dim, channels + valueDim, s));
            } else {
                tensors.add(matrix(spec, blk + "attn_qkv.weight", spec.matrixType(), dim, channels, s));
                tensors.add(matrix(spec, blk + "attn_gate.weight", spec.matrixType(), dim, valueDim, s));
            }
            tensors.add(new PlannedTensor(blk + "ssm_conv1d.weight", new long[] {linear.convKernel(), channels},
                    TensorType.F32, 0, 1 / Math.sqrt(linear.convKernel())));
            tensors.add(new PlannedTensor(blk + "ssm_dt.bias", new long[] {linear.valueHeads()}, TensorType.F32, 0, 0.5));
            tensors.add(new PlannedTensor(blk + "ssm_a", new long[] {linear.valueHeads()}, TensorType.F32, -1, 0.3));
            if (qwen3Next) {
                tensors.add(matrix(spec, blk + "ssm_ba.weight", spec.matrixType(), dim, 2 * linear.valueHeads(), s));
            } else {
                tensors.add(matrix(spec, blk + "ssm_beta.weight", spec.matrixType(), dim, linear.valueHeads(), s));
                tensors.add(matrix(spec, blk + "ssm_alpha.weight", spec.matrixType(), dim, linear.valueHeads(), s));
            }
            tensors.add(norm(blk + "ssm_norm.weight", linear.headDim(), 1.0));
            tensors.add(matrix(spec, blk + "ssm_out.weight", spec.matrixType(), valueDim, dim, 1 / Math.sqrt(valueDim)));
        } else {
            tensors.add(matrix(spec, blk + "attn_q.weight", spec.matrixType(), dim, 2 * qDim, s));
            tensors.add(matrix(spec, blk + "attn_k.weight", spec.matrixType(), dim, kvDim, s));
            tensors.add(matrix(spec, blk + "attn_v.weight", spec.matrixType(), dim, kvDim, s));
            tensors.add(norm(blk + "attn_q_norm.weight", spec.headDim(), 1.0));
            tensors.add(norm(blk + "attn_k_norm.weight", spec.headDim(), 1.0));
            tensors.add(matrix(spec, blk + "attn_output.weight", spec.matrixType(), qDim, dim, 1 / Math.sqrt(qDim)));
        }
    }

    private static PlannedTensor norm(String name, int size, double gain) {
        // A little spread around the gain, so a norm applied with the wrong weights shows up in tests.
        return new PlannedTensor(name, new long[] {size}, TensorType.F32, gain, 0.1 * gain);
    }

    private static PlannedTensor bias(String name, int size) {
        return new PlannedTensor(name, new long[] {size}, TensorType.F32, 0, 0.1);
    }

    private static PlannedTensor matrix(SynthSpec spec, String name, TensorType type, int cols, int rows, double std) {
        return matrix(spec, name, type, new long[] {cols, rows}, std);
    }

    private static PlannedTensor matrix(SynthSpec spec, String name, TensorType type, long[] shape, double std) {
        return new PlannedTensor(name, shape, rowCompatibleType(spec, name, type, shape[0]), 0, std);
    }

    /** llama.cpp's rule: a quant type whose block does not divide the row falls back, or is an error. */
    static TensorType rowCompatibleType(SynthSpec spec, String name, TensorType type, long rowLength) {
        if (rowLength % type.blockSize == 0) {
            return type;
        }
        if (!spec.fallback()) {
            throw new InvalidInputException("tensor " + name + ": row length " + rowLength + " is not a multiple of the "
                    + type + " block size " + type.blockSize + " (use --fallback for llama.cpp's fallback type)");
        }
        return QuantMix.rowFallback(type, rowLength);
    }
}
