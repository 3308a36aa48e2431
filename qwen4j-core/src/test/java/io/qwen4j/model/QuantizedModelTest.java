package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.TensorType;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every storage format that can quantize (so new formats are covered once merged) as the matrix type of
 * a Qwen2 and a Qwen3-MoE model, against the reference over the same dequantized weights. Dimensions are
 * multiples of 256 so K-quant blocks fit.
 */
class QuantizedModelTest {

    static Stream<TensorType> quantizableTypes() {
        List<TensorType> types = Arrays.stream(TensorType.values())
                .filter(t -> format(t).map(QuantFormat::canQuantize).orElse(false))
                .toList();
        assertFalse(types.isEmpty());
        return types.stream();
    }

    private static Optional<QuantFormat> format(TensorType t) {
        try {
            return Optional.of(QuantFormats.of(t));
        } catch (InvalidInputException notYetImplemented) {
            return Optional.empty();
        }
    }

    @ParameterizedTest
    @MethodSource("quantizableTypes")
    void qwen2(TensorType type) {
        check(ModelConfig.builder("qwen2").hiddenSize(256).numLayers(2).numHeads(4).numKeyValueHeads(2).headDim(64)
                .intermediateSize(256).vocabSize(260).contextLength(32).ropeTheta(10000).build(), type);
    }

    @ParameterizedTest
    @MethodSource("quantizableTypes")
    void qwen3Moe(TensorType type) {
        check(ModelConfig.builder("qwen3moe").hiddenSize(256).numLayers(2).numHeads(4).numKeyValueHeads(2).headDim(64)
                .intermediateSize(256).numExperts(4).numExpertsUsed(2).moeIntermediateSize(256).vocabSize(260)
                .contextLength(32).tieWordEmbeddings(true).build(), type);
    }

    private static void check(ModelConfig config, TensorType type) {
        var weights = Models.weights(config, type, 31);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(8, 5, config.vocabSize());
        double[][] expected = new ReferenceModel(config, weights.tensors).logits(tokens);
        Logits logits = model.forward(new ForwardBatch(List.of(new ForwardBatch.Sequence(tokens, 0, Models.cache(config))),
                ForwardBatch.LogitsWanted.ALL));
        for (int t = 0; t < tokens.length; t++) {
            double err = Models.relativeError(logits.data(), logits.offset(0, t), expected[t]);
            assertTrue(err < DecoderModelTest.TOLERANCE, type + " position " + t + " relative error " + err);
        }
    }
}
