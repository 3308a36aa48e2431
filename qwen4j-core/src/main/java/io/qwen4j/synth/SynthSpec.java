package io.qwen4j.synth;

import io.qwen4j.InvalidInputException;
import io.qwen4j.model.Architectures;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;

/**
 * Everything that decides the bytes of a synthetic model: shapes, tensor types, tokenizer, seed.
 * The same spec always gives the same file.
 *
 * @param matrixType    type of every weight matrix (llama.cpp's {@code --type})
 * @param embeddingType type of {@code token_embd} and {@code output} (defaults to {@code matrixType})
 * @param fallback      when a row does not divide into the type's blocks, use llama.cpp's fallback type
 *                      instead of failing (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0, others→F16)
 * @param vocabSize     rows of the embedding; at least the tokenizer's size, the rest are padding tokens
 * @param yarn          YaRN rope scaling, or null
 * @param ffn           the dense MLP's hidden size; in MoE models with a shared expert, the shared expert's
 * @param linear        the linear-attention layers of a hybrid ({@code qwen35}, {@code qwen35moe}, {@code qwen3next})
 *                      model; null for the others, and for hybrids {@link Linear#defaults} when not given
 */
public record SynthSpec(
        String architecture,
        int layers,
        int hiddenSize,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int experts,
        int expertsUsed,
        int moeFfn,
        int vocabSize,
        int context,
        boolean tiedEmbeddings,
        TensorType matrixType,
        TensorType embeddingType,
        boolean fallback,
        Yarn yarn,
        Path tokenizerDir,
        long seed,
        Linear linear) {

    /** A spec without linear-attention layers (or with qwen35's defaults). */
    public SynthSpec(String architecture, int layers, int hiddenSize, int heads, int kvHeads, int headDim, int ffn,
                     int experts, int expertsUsed, int moeFfn, int vocabSize, int context, boolean tiedEmbeddings,
                     TensorType matrixType, TensorType embeddingType, boolean fallback, Yarn yarn, Path tokenizerDir,
                     long seed) {
        this(architecture, layers, hiddenSize, heads, kvHeads, headDim, ffn, experts, expertsUsed, moeFfn, vocabSize,
                context, tiedEmbeddings, matrixType, embeddingType, fallback, yarn, tokenizerDir, seed, null);
    }

    /**
     * The hybrid family's layers (qwen35, qwen35moe, qwen3next): linear attention (llama.cpp's {@code ssm.*} keys) and
     * the share of each attention head that RoPE rotates: {@code keyHeads} and {@code valueHeads} heads of
     * {@code headDim}, a {@code convKernel}-tap convolution, full attention every {@code fullAttentionInterval}-th layer;
     * {@code interleavedQkvz}: qwen3next's older single {@code ssm_in} projection instead of {@code attn_qkv} and
     * {@code attn_gate}; {@code mtpLayers}: multi-token-prediction blocks after the decoder's layers, as the converter
     * writes them ({@code nextn_predict_layers}; the engine does not run them).
     */
    public record Linear(int keyHeads, int valueHeads, int headDim, int convKernel, int fullAttentionInterval,
                         int rotaryDim, boolean interleavedQkvz, int mtpLayers) {

        public Linear(int keyHeads, int valueHeads, int headDim, int convKernel, int fullAttentionInterval, int rotaryDim) {
            this(keyHeads, valueHeads, headDim, convKernel, fullAttentionInterval, rotaryDim, false, 0);
        }

        /** Qwen3.5's proportions: 128-wide linear heads as many as the attention heads, 4 taps, every 4th layer full, a quarter of each head rotated. */
        public static Linear defaults(int heads, int headDim) {
            return new Linear(heads, heads, 128, 4, 4, Math.max(2, headDim / 4));
        }
    }

    /** Every architecture synth writes. */
    public static final java.util.List<String> ARCHITECTURES =
            java.util.List.of("qwen2", "qwen2moe", "qwen3", "qwen3moe", "qwen35", "qwen35moe", "qwen3next");

    /** YaRN parameters as llama.cpp stores them ({@code rope.scaling.*}). */
    public record Yarn(float factor, int originalContext) {
    }

    public static final float ROPE_THETA = 1_000_000f;
    public static final float RMS_NORM_EPS = 1e-6f;

    public SynthSpec {
        if (!ARCHITECTURES.contains(architecture)) {
            throw new InvalidInputException("unknown architecture '" + architecture + "' ("
                    + String.join(", ", ARCHITECTURES) + ")");
        }
        boolean hybrid = Architectures.isHybrid(architecture);
        if (hybrid && linear == null) {
            linear = Linear.defaults(heads, headDim);
        }
        if (!hybrid && linear != null) {
            throw new InvalidInputException("linear attention layers need --arch qwen35, qwen35moe or qwen3next, not "
                    + architecture);
        }
        if (linear != null) {
            positive("linear-key-heads", linear.keyHeads());
            positive("linear-value-heads", linear.valueHeads());
            positive("linear-head-dim", linear.headDim());
            if (linear.valueHeads() % linear.keyHeads() != 0) {
                throw new InvalidInputException("linear value heads (" + linear.valueHeads()
                        + ") must be a multiple of linear key heads (" + linear.keyHeads() + ")");
            }
            if (linear.rotaryDim() % 2 != 0 || linear.rotaryDim() < 2 || linear.rotaryDim() > headDim) {
                throw new InvalidInputException("rotary dimension must be even and in [2, head-dim], got " + linear.rotaryDim());
            }
            if (linear.interleavedQkvz() && !architecture.equals("qwen3next")) {
                throw new InvalidInputException("the interleaved ssm_in layout is qwen3next's, not " + architecture + "'s");
            }
            if (linear.mtpLayers() < 0) {
                throw new InvalidInputException("--mtp-layers must not be negative, got " + linear.mtpLayers());
            }
        }
        positive("layers", layers);
        positive("dim", hiddenSize);
        positive("heads", heads);
        positive("kv-heads", kvHeads);
        positive("head-dim", headDim);
        positive("vocab", vocabSize);
        positive("context", context);
        if (heads % kvHeads != 0) {
            throw new InvalidInputException("heads (" + heads + ") must be a multiple of kv-heads (" + kvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new InvalidInputException("head-dim must be even for RoPE, got " + headDim);
        }
        if (isMoe(architecture)) { // fields are not assigned yet: the static form
            positive("experts", experts);
            positive("experts-used", expertsUsed);
            positive("moe-ffn", moeFfn);
            if (expertsUsed > experts) {
                throw new InvalidInputException("experts-used (" + expertsUsed + ") exceeds experts (" + experts + ")");
            }
        }
        if (!architecture.equals("qwen3moe")) { // the dense MLP's size, or the shared expert's
            positive("ffn", ffn);
        }
        if (yarn != null && (yarn.factor() <= 1f || yarn.originalContext() <= 0)) {
            throw new InvalidInputException("YaRN needs --rope-factor > 1 and --rope-orig-ctx > 0, got "
                    + yarn.factor() + " and " + yarn.originalContext());
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new InvalidInputException("--" + name + " must be positive, got " + value);
        }
    }

    private static boolean isMoe(String architecture) {
        return architecture.equals("qwen2moe") || architecture.equals("qwen3moe") || architecture.equals("qwen35moe")
                || architecture.equals("qwen3next");
    }

    public boolean isMoe() {
        return isMoe(architecture);
    }

    /** Qwen2-MoE, Qwen3.5-MoE and Qwen3-Next add a gated shared expert of {@link #ffn} to the routed ones. */
    public boolean hasSharedExpert() {
        return isMoe() && !architecture.equals("qwen3moe");
    }

    public boolean isHybrid() {
        return linear != null;
    }

    /** Qwen3 and later normalise q and k per head; Qwen2 and Qwen2-MoE have q/k/v biases instead. */
    public boolean hasQkNorm() {
        return !architecture.startsWith("qwen2");
    }
}
