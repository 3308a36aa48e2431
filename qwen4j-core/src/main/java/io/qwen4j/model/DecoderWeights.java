package io.qwen4j.model;

import io.qwen4j.tensor.Tensor;
import java.util.List;

/**
 * The weights of a Qwen decoder: token embedding, layers, final norm and LM head ({@code lmHead} is the
 * embedding itself when the model ties them).
 */
record DecoderWeights(ModelConfig config, Tensor embedding, List<DecoderLayer> layers, RmsNorm finalNorm,
                      Tensor lmHead) {

    /** Loads the parts every Qwen decoder shares around its layers. */
    static DecoderWeights load(WeightSource source, ModelConfig config, List<DecoderLayer> layers) {
        int dim = config.hiddenSize();
        Tensor embedding = source.tensor("token_embd.weight", dim, config.vocabSize());
        Tensor lmHead = config.tieWordEmbeddings()
                ? embedding
                : source.tensor("output.weight", dim, config.vocabSize());
        return new DecoderWeights(config, embedding, List.copyOf(layers),
                RmsNorm.load(source, "output_norm.weight", dim, config.rmsNormEps()), lmHead);
    }
}
