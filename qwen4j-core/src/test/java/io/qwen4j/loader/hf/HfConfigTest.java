package io.qwen4j.loader.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.model.RopeScaling;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HfConfigTest {

    static final Path FILE = Path.of("m/config.json");

    static HfConfig parse(String json) throws Exception {
        return HfConfig.parse(new ObjectMapper().readTree(json), FILE);
    }

    @Test
    void qwen2DefaultsFollowHf() throws Exception {
        var c = parse("{\"model_type\":\"qwen2\",\"hidden_size\":896,\"num_hidden_layers\":24,\"num_attention_heads\":14,"
                + "\"num_key_value_heads\":2,\"intermediate_size\":4864,\"vocab_size\":151936,\"rope_theta\":1000000.0,"
                + "\"max_position_embeddings\":32768,\"rms_norm_eps\":1e-06,\"tie_word_embeddings\":true}").model();
        assertEquals("qwen2", c.architecture());
        assertEquals(64, c.headDim(), "hidden / heads");
        assertEquals(2, c.numKeyValueHeads());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(RopeScaling.NONE, c.ropeScaling());
        assertEquals(32768, c.contextLength());
    }

    @Test
    void qwen3MoeWithYarnAndFp8() throws Exception {
        var h = parse("{\"model_type\":\"qwen3_moe\",\"hidden_size\":2048,\"num_hidden_layers\":48,\"num_attention_heads\":32,"
                + "\"num_key_value_heads\":4,\"head_dim\":128,\"intermediate_size\":6144,\"moe_intermediate_size\":768,"
                + "\"num_experts\":128,\"num_experts_per_tok\":8,\"norm_topk_prob\":true,\"vocab_size\":151936,"
                + "\"rope_theta\":1000000.0,\"max_position_embeddings\":40960,\"rms_norm_eps\":1e-06,"
                + "\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":32768},"
                + "\"quantization_config\":{\"quant_method\":\"fp8\",\"fmt\":\"e4m3\",\"weight_block_size\":[128,128]}}");
        var c = h.model();
        assertEquals("qwen3moe", c.architecture());
        assertEquals(128, c.headDim());
        assertEquals(128, c.numExperts());
        assertEquals(8, c.numExpertsUsed());
        assertEquals(768, c.moeIntermediateSize());
        assertEquals(new RopeScaling.Yarn(4, 32768), c.ropeScaling());
        assertEquals(Optional.of(new HfConfig.Fp8Blocks(128, 128)), h.fp8());
    }

    @Test
    void badConfigsNameFileAndKey() {
        var e = assertThrows(InvalidInputException.class, () -> parse("{\"model_type\":\"qwen3\",\"hidden_size\":8}"));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("num_attention_heads"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("{\"model_type\":\"qwen3\",\"hidden_size\":\"big\","
                + "\"num_attention_heads\":2}"));
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
        String base = "\"hidden_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"vocab_size\":10";
        e = assertThrows(InvalidInputException.class, () -> parse("{\"model_type\":\"qwen3\"," + base
                + ",\"quantization_config\":{\"quant_method\":\"awq\"}}"));
        assertTrue(e.getMessage().contains("awq"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("{\"model_type\":\"qwen3\"," + base
                + ",\"rope_scaling\":{\"type\":\"dynamic\",\"factor\":2}}"));
        assertTrue(e.getMessage().contains("dynamic"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("{\"model_type\":\"qwen3_moe\"," + base
                + ",\"num_experts\":4,\"num_experts_per_tok\":2,\"moe_intermediate_size\":8,\"norm_topk_prob\":false}"));
        assertTrue(e.getMessage().contains("norm_topk_prob"), e.getMessage());
        // Qwen2-MoE is the other way round: its top-k weights are used as they come out of the softmax
        e = assertThrows(InvalidInputException.class, () -> parse("{\"model_type\":\"qwen2_moe\"," + base
                + ",\"num_experts\":4,\"num_experts_per_tok\":2,\"moe_intermediate_size\":8,\"norm_topk_prob\":true}"));
        assertTrue(e.getMessage().contains("norm_topk_prob = true"), e.getMessage());
    }

    @Test
    void snapshotFoldersAreNamedAfterTheRepo() {
        assertEquals("Qwen3-0.6B", HfModelFolder.modelName(Path.of("/c/hub/models--Qwen--Qwen3-0.6B/snapshots/abc123")));
        assertEquals("my-model", HfModelFolder.modelName(Path.of("/x/my-model")));
    }

    @Test
    void safetensorsPackageStaysALeaf() throws Exception {
        try (var files = java.nio.file.Files.walk(Path.of("src/main/java/io/qwen4j/safetensors"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : java.nio.file.Files.readAllLines(f)) {
                    if (line.startsWith("import io.qwen4j.")) {
                        // the root package's input-error helpers only, which depend on nothing of qwen4j
                        assertTrue(line.equals("import io.qwen4j.InvalidInputException;") || line.equals("import io.qwen4j.JsonErrors;"),
                                f + " imports engine code: " + line);
                    }
                }
            }
        }
    }
}
