package io.qwen4j.model;

import io.qwen4j.tensor.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * The weights of a Qwen decoder: token embedding, layers, final norm and LM head ({@code lmHead} is the
 * embedding itself when the model ties them), and a reranker's classifier head when the file has one.
 */
record DecoderWeights(ModelConfig config, Tensor embedding, List<DecoderLayer> layers, RmsNorm finalNorm,
                      Tensor lmHead, Optional<Tensor> classifier) {

    /** Loads the parts every Qwen decoder shares around its layers. */
    static DecoderWeights load(WeightSource source, ModelConfig config, List<DecoderLayer> layers) {
        int dim = config.hiddenSize();
        Tensor embedding = source.tensor("token_embd.weight", dim, config.vocabSize());
        Tensor lmHead = config.tieWordEmbeddings()
                ? embedding
                : source.tensor("output.weight", dim, config.vocabSize());
        Optional<Tensor> classifier = source.find(Model.CLASSIFIER_TENSOR).map(t -> WeightSource.checkShape(t, dim, t.rows()));
        return new DecoderWeights(config, embedding, List.copyOf(layers),
                RmsNorm.load(source, "output_norm.weight", dim, config.rmsNormEps()), lmHead, classifier);
    }
}
