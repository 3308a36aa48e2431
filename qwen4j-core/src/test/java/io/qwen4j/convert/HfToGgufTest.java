package io.qwen4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.loader.hf.HfTestModels;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfToGgufTest {

    @TempDir
    Path dir;

    private static final LoadOptions OPTIONS = LoadOptions.defaults().withThreads(2);

    /** The keys convert_hf_to_gguf.py writes for a Qwen3(-MoE) model with Qwen's tokenizer. */
    static List<String> expectedKeys(String arch, boolean moe) {
        var keys = new ArrayList<>(List.of("general.architecture", "general.type", "general.name", "general.file_type",
                "general.quantization_version", arch + ".block_count", arch + ".context_length", arch + ".embedding_length",
                arch + ".feed_forward_length", arch + ".attention.head_count", arch + ".attention.head_count_kv",
                arch + ".rope.freq_base", arch + ".attention.layer_norm_rms_epsilon", arch + ".attention.key_length",
                arch + ".attention.value_length", "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens",
                "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.ggml.eos_token_id",
                "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token", "tokenizer.chat_template"));
        if (moe) {
            keys.addAll(List.of(arch + ".expert_count", arch + ".expert_used_count", arch + ".expert_feed_forward_length"));
        }
        return keys;
    }

    static Map<String, TensorType> types(Path gguf) throws Exception {
        try (GgufFile f = GgufFile.open(gguf)) {
            var m = new LinkedHashMap<String, TensorType>();
            for (GgufTensorInfo i : f.tensorInfos()) {
                m.put(i.name(), f.tensor(i.name()).type());
            }
            return m;
        }
    }

    private double convertAndCompare(Path hf, String type) throws Exception {
        Path out = dir.resolve(hf.getFileName() + "-" + type + ".gguf");
        HfToGguf.convert(hf, out, GgufTarget.parse(type), line -> { });
        try (LoadedModel fromHf = ModelLoader.load(hf, OPTIONS); LoadedModel converted = ModelLoader.load(out, OPTIONS)) {
            assertEquals(fromHf.config(), converted.config());
            assertEquals(fromHf.tokenizer().vocabulary(), converted.tokenizer().vocabulary());
            var a = fromHf.samplingDefaults().nonThinking();
            var b = converted.samplingDefaults().nonThinking(); // general.sampling.* are float32
            assertEquals(a.temperature(), b.temperature(), 1e-6);
            assertEquals(a.topP(), b.topP(), 1e-6);
            assertEquals(a.topK(), b.topK());
            return HfTestModels.maxDiff(HfTestModels.logits(fromHf), HfTestModels.logits(converted));
        }
    }

    @Test
    void qwen3MoeConvertsWithLlamaCppNamesKeysAndTypes() throws Exception {
        Path hf = HfTestModels.qwen3Moe(dir, "BF16", 2);
        double d = convertAndCompare(hf, "F16");
        assertTrue(d < 0.05, "F16 logits differ by " + d);
        Path out = dir.resolve(hf.getFileName() + "-F16.gguf");
        try (GgufFile f = GgufFile.open(out)) {
            assertTrue(f.metadata().keys().containsAll(expectedKeys("qwen3moe", true)), f.metadata().keys().toString());
            assertEquals(1, f.metadata().getInt("general.file_type"));
        }
        var expected = new LinkedHashMap<String, TensorType>();
        expected.put("token_embd.weight", TensorType.F16);
        expected.put("output_norm.weight", TensorType.F32);
        expected.put("output.weight", TensorType.F16);
        for (int l = 0; l < 2; l++) {
            String b = "blk." + l + ".";
            for (String n : List.of("attn_norm", "attn_q_norm", "attn_k_norm", "ffn_norm", "ffn_gate_inp")) {
                expected.put(b + n + ".weight", TensorType.F32);
            }
            for (String n : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps")) {
                expected.put(b + n + ".weight", TensorType.F16);
            }
        }
        assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(types(out)));
    }

    @Test
    void qwen2ConvertsToQ8_0WithinTolerance() throws Exception {
        Path hf = HfTestModels.qwen2(dir, "BF16");
        double d = convertAndCompare(hf, "q8_0");
        assertTrue(d < 0.1, "Q8_0 logits differ by " + d);
        var t = types(dir.resolve(hf.getFileName() + "-q8_0.gguf"));
        assertEquals(TensorType.Q8_0, t.get("output.weight"));
        assertEquals(TensorType.Q8_0, t.get("blk.1.attn_q.weight"));
        assertEquals(TensorType.F16, t.get("blk.1.ffn_down.weight"), "row of 48 is not whole Q8_0 blocks");
        assertEquals(TensorType.F32, t.get("blk.1.attn_q.bias"));
    }

    @Test
    void fp8ConvertsToF16WithinTolerance() throws Exception {
        Path hf = HfTestModels.qwen3(dir, "F8_E4M3");
        double d = convertAndCompare(hf, "f16");
        assertTrue(d < 0.05, "F16 logits differ by " + d);
    }

    @Test
    void aCheckpointThatDisagreesWithItsConfigIsRefused() throws Exception {
        Path hf = HfTestModels.qwen3(dir, "F32");
        java.nio.file.Files.writeString(hf.resolve("config.json"), java.nio.file.Files.readString(hf.resolve("config.json"))
                .replace("\"intermediate_size\":80", "\"intermediate_size\":96"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.qwen4j.InvalidInputException.class,
                () -> HfToGguf.convert(hf, dir.resolve("bad.gguf"), GgufTarget.F16, line -> { }));
        assertTrue(e.getMessage().contains("ffn_gate.weight"), e.getMessage());
    }

    @Test
    void kQuantMixFallsBackForNarrowRows() throws Exception {
        // rows of 32 and 80 elements: no K-quant fits, llama.cpp's fallbacks apply
        Path hf = HfTestModels.qwen3(dir, "F32");
        Path out = dir.resolve("k.gguf");
        HfToGguf.convert(hf, out, GgufTarget.parse("Q4_K_M"), line -> { });
        var t = types(out);
        assertEquals(TensorType.Q8_0, t.get("token_embd.weight"), "tied output: Q6_K, which falls back to Q8_0");
        assertEquals(TensorType.Q5_0, t.get("blk.0.attn_q.weight"));
        // use_more_bits(i, 2) holds for layer 1 only (i >= 7 * 2 / 8)
        assertEquals(TensorType.Q5_0, t.get("blk.0.attn_v.weight"));
        assertEquals(TensorType.Q8_0, t.get("blk.1.attn_v.weight"), "layer 1 uses more bits: Q6_K -> Q8_0");
        assertEquals(TensorType.F16, t.get("blk.0.ffn_down.weight"), "row of 80: Q6_K -> Q8_0 -> F16");
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(15, f.metadata().getInt("general.file_type"));
        }
        try (LoadedModel m = ModelLoader.load(out, OPTIONS)) {
            assertEquals(1008, m.config().vocabSize());
        }
    }
}
