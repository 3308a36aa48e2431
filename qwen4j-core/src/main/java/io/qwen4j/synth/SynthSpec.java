package io.qwen4j.synth;

import io.qwen4j.InvalidInputException;
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
        long seed) {

    /** YaRN parameters as llama.cpp stores them ({@code rope.scaling.*}). */
    public record Yarn(float factor, int originalContext) {
    }

    public static final float ROPE_THETA = 1_000_000f;
    public static final float RMS_NORM_EPS = 1e-6f;

    public SynthSpec {
        if (!architecture.equals("qwen2") && !architecture.equals("qwen3") && !architecture.equals("qwen3moe")) {
            throw new InvalidInputException("unknown architecture '" + architecture + "' (qwen2, qwen3, qwen3moe)");
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
        if (architecture.equals("qwen3moe")) { // fields are not assigned yet: no isMoe() here
            positive("experts", experts);
            positive("experts-used", expertsUsed);
            positive("moe-ffn", moeFfn);
            if (expertsUsed > experts) {
                throw new InvalidInputException("experts-used (" + expertsUsed + ") exceeds experts (" + experts + ")");
            }
        } else {
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

    public boolean isMoe() {
        return architecture.equals("qwen3moe");
    }

    /** Qwen3 and Qwen3-MoE normalise q and k per head; Qwen2 has q/k/v biases instead. */
    public boolean hasQkNorm() {
        return !architecture.equals("qwen2");
    }
}
