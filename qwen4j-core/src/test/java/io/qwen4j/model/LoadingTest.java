package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import org.junit.jupiter.api.Test;

class LoadingTest {

    @Test
    void missingTensorIsNamed() {
        var config = Models.qwen3(false, RopeScaling.NONE);
        var weights = Models.weights(config, TensorType.F32, 1);
        weights.tensors.remove("blk.2.attn_k_norm.weight");
        var e = assertThrows(InvalidInputException.class, () -> Architectures.load(config, weights, Models.POOL));
        assertTrue(e.getMessage().contains("blk.2.attn_k_norm.weight"), e.getMessage());
    }

    @Test
    void untiedModelNeedsOutputWeight() {
        var config = Models.qwen2(false);
        var weights = Models.weights(config, TensorType.F32, 1);
        weights.tensors.remove("output.weight");
        var e = assertThrows(InvalidInputException.class, () -> Architectures.load(config, weights, Models.POOL));
        assertTrue(e.getMessage().contains("output.weight"), e.getMessage());
    }

    @Test
    void wrongShapeNamesTensorExpectedAndActual() {
        var config = Models.qwen3Moe(false);
        var weights = Models.weights(config, TensorType.F32, 1);
        weights.put("blk.0.ffn_down_exps.weight", TensorType.F32, new float[32 * 64 * 7], 32, 64, 7);
        var e = assertThrows(InvalidInputException.class, () -> Architectures.load(config, weights, Models.POOL));
        assertTrue(e.getMessage().contains("blk.0.ffn_down_exps.weight") && e.getMessage().contains("[32, 64, 7]")
                && e.getMessage().contains("[32, 64, 8]"), e.getMessage());
    }

    @Test
    void unknownArchitectureIsRejected() {
        var config = Models.qwen2(true).toBuilder().build();
        var llama = new ModelConfig("llama", 64, 1, 4, 2, 16, 64, 300, 1e-6f, 10000, RopeScaling.NONE, 64, 0, 0, 0, 0, true, 0, null);
        var e = assertThrows(InvalidInputException.class,
                () -> Architectures.load(llama, Models.weights(config, TensorType.F32, 1), Models.POOL));
        assertTrue(e.getMessage().contains("'llama'") && e.getMessage().contains("qwen3moe"), e.getMessage());
    }

    @Test
    void configValidationNamesValues() {
        var e = assertThrows(InvalidInputException.class, () -> Models.qwen2(true).toBuilder().numKeyValueHeads(3).build());
        assertTrue(e.getMessage().contains("(4)") && e.getMessage().contains("(3)"), e.getMessage());
        var experts = assertThrows(InvalidInputException.class, () -> Models.qwen3Moe(true).toBuilder().numExpertsUsed(9).build());
        assertTrue(experts.getMessage().contains("9"), experts.getMessage());
        var yarn = assertThrows(InvalidInputException.class, () -> new RopeScaling.Yarn(-2, 100));
        assertTrue(yarn.getMessage().contains("-2"), yarn.getMessage());
    }

    @Test
    void denseArchitectureRejectsExperts() {
        var config = Models.qwen3Moe(false).toBuilder();
        var moeAsQwen3 = ModelConfig.builder("qwen3").hiddenSize(64).numLayers(1).numHeads(4).numKeyValueHeads(1)
                .headDim(16).intermediateSize(48).numExperts(8).numExpertsUsed(2).moeIntermediateSize(32)
                .vocabSize(300).build();
        var e = assertThrows(InvalidInputException.class, () -> Architectures.load(moeAsQwen3,
                Models.weights(config.build(), TensorType.F32, 1), Models.POOL));
        assertTrue(e.getMessage().contains("8 experts"), e.getMessage());
    }

    @Test
    void tyingIsDerivedFromTheMissingOutputWeight() {
        assertTrue(Architectures.tiesWordEmbeddings(Models.weights(Models.qwen2(true), TensorType.F32, 1)));
        assertFalse(Architectures.tiesWordEmbeddings(Models.weights(Models.qwen2(false), TensorType.F32, 1)));
        assertTrue(Architectures.isSupported("qwen3moe"));
        assertFalse(Architectures.isSupported("llama"));
    }

    @Test
    void ggufKeysArePrefixedByArchitecture() {
        assertEquals("qwen3.attention.head_count_kv", GgufKeys.key("qwen3", GgufKeys.HEAD_COUNT_KV));
        assertEquals("qwen3moe.expert_used_count", GgufKeys.key("qwen3moe", GgufKeys.EXPERT_USED_COUNT));
    }

    @Test
    void shapeCheckAcceptsTrailingOnes() {
        var t = new Tensor("x", TensorType.F32, new long[] {4, 1}, java.lang.foreign.MemorySegment.ofArray(new byte[16]));
        assertEquals(t, WeightSource.checkShape(t, 4));
    }
}
