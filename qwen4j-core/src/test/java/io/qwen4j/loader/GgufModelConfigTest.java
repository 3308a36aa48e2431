package io.qwen4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufArray;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufValue;
import io.qwen4j.gguf.GgufValueType;
import io.qwen4j.model.GatedDeltaNetConfig;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.model.WeightSource;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hybrid and shared-expert keys, as llama.cpp's converter writes them for Qwen3.5 / Qwen3-Next files. */
class GgufModelConfigTest {

    private static final WeightSource EMBEDDING_ONLY = name -> name.equals("token_embd.weight")
            ? Optional.of(new Tensor(name, TensorType.F32, new long[] {64, 300}, MemorySegment.ofArray(new float[64 * 300])))
            : Optional.empty();

    /** A 4-block hybrid: 4 heads of 16, linear attention 2 key / 4 value heads of 16. */
    private static Map<String, GgufValue> hybrid(String arch) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.ofString(arch));
        m.put(arch + ".block_count", GgufValue.ofUInt32(4));
        m.put(arch + ".embedding_length", GgufValue.ofUInt32(64));
        m.put(arch + ".feed_forward_length", GgufValue.ofUInt32(96));
        m.put(arch + ".attention.head_count", GgufValue.ofUInt32(4));
        m.put(arch + ".attention.head_count_kv", GgufValue.ofUInt32(2));
        m.put(arch + ".attention.key_length", GgufValue.ofUInt32(16));
        m.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(1e-6f));
        m.put(arch + ".context_length", GgufValue.ofUInt32(64));
        m.put(arch + ".rope.dimension_count", GgufValue.ofUInt32(8));
        m.put(arch + ".ssm.conv_kernel", GgufValue.ofUInt32(4));
        m.put(arch + ".ssm.state_size", GgufValue.ofUInt32(16));
        m.put(arch + ".ssm.group_count", GgufValue.ofUInt32(2));
        m.put(arch + ".ssm.time_step_rank", GgufValue.ofUInt32(4));
        m.put(arch + ".ssm.inner_size", GgufValue.ofUInt32(64));
        m.put(arch + ".full_attention_interval", GgufValue.ofUInt32(4));
        return m;
    }

    private static ModelConfig read(Map<String, GgufValue> values) {
        return GgufModelConfig.read(new GgufMetadata(null, values, Map.of()), EMBEDDING_ONLY);
    }

    @Test
    void linearLayersFollowTheIntervalUnlessTheFileListsThem() {
        var byInterval = read(hybrid("qwen35")).gatedDeltaNet();
        assertEquals(List.of(true, true, true, false), List.of(byInterval.isLinear(0), byInterval.isLinear(1),
                byInterval.isLinear(2), byInterval.isLinear(3)));
        var values = hybrid("qwen35");
        values.put("qwen35.attention.recurrent_layers",
                GgufValue.ofArray(new GgufArray(GgufValueType.BOOL, List.of(false, true, false, true))));
        var listed = read(values).gatedDeltaNet();
        assertEquals(List.of(false, true, false, true), List.of(listed.isLinear(0), listed.isLinear(1),
                listed.isLinear(2), listed.isLinear(3)));
    }

    @Test
    void multiTokenPredictionBlocksAreNotDecoderLayers() {
        var values = hybrid("qwen35");
        values.put("qwen35.nextn_predict_layers", GgufValue.ofUInt32(1));
        assertEquals(3, read(values).numLayers());
        values.put("qwen35.nextn_predict_layers", GgufValue.ofUInt32(4));
        var e = assertThrows(InvalidInputException.class, () -> read(values));
        assertTrue(e.getMessage().contains("qwen35.nextn_predict_layers = 4"), e.getMessage());
    }

    @Test
    void valueHeadOrderComesFromTheArchitecture() {
        // value head 3 of 4 over 2 key heads: tiled (3 mod 2) in qwen35 files, grouped (3 / 2) in qwen3next ones
        GatedDeltaNetConfig qwen35 = read(hybrid("qwen35")).gatedDeltaNet();
        GatedDeltaNetConfig next = read(hybrid("qwen3next")).gatedDeltaNet();
        assertEquals(1, qwen35.keyHeadOf(3));
        assertEquals(1, next.keyHeadOf(3));
        assertEquals(0, qwen35.keyHeadOf(2));
        assertEquals(1, next.keyHeadOf(2));
        assertFalse(read(hybrid("qwen3next")).isMixtureOfExperts());
    }

    @Test
    void sharedExpertSizeDefaultsToTheFeedForwardLength() {
        assertEquals(0, read(hybrid("qwen35moe")).sharedExpertIntermediateSize());
        assertEquals(96, read(hybrid("qwen35moe")).sharedExpertSize());
        var values = hybrid("qwen35moe");
        values.put("qwen35moe.expert_shared_feed_forward_length", GgufValue.ofUInt32(40));
        assertEquals(40, read(values).sharedExpertSize());
    }
}
