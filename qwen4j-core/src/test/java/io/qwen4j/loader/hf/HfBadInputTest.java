package io.qwen4j.loader.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.safetensors.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfBadInputTest {

    @TempDir
    Path dir;

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
    }

    private Path raw(String name, long headerLength, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        var b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    @Test
    void truncatedFileIsNamed() throws Exception {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        var e = assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(f));
        assertMessage(e, "short.safetensors", "truncated");
    }

    @Test
    void headerLengthBeyondTheFile() throws Exception {
        Path f = raw("long.safetensors", 1 << 20, "{}", 0);
        var e = assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(f));
        assertMessage(e, "long.safetensors", "header length 1048576", "beyond");
    }

    @Test
    void corruptHeaderJson() throws Exception {
        String header = "{\"a\": {\"dtype\": \"F32\",";
        Path f = raw("bad.safetensors", header.length(), header, 0);
        var e = assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(f));
        assertMessage(e, "bad.safetensors", "corrupt");
    }

    @Test
    void offsetsOutsideTheData() throws Exception {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Path f = raw("cut.safetensors", header.length(), header, 8);
        var e = assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(f));
        assertMessage(e, "cut.safetensors", "'w'", "outside");
    }

    @Test
    void byteCountMustMatchDtypeAndShape() throws Exception {
        String header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Path f = raw("size.safetensors", header.length(), header, 16);
        var e = assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(f));
        assertMessage(e, "'w'", "needs 8");
        String unknown = "{\"w\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,4]}}";
        Path g = raw("dtype.safetensors", unknown.length(), unknown, 4);
        assertMessage(assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(g)), "unknown dtype 'Q4'");
    }

    @Test
    void shapeMismatchWithConfigNamesFileAndTensor() throws Exception {
        Path hf = dir.resolve("m");
        HfFixture.write(HfFixture.qwen3("BF16"), hf, dir.resolve("m.gguf"));
        String config = Files.readString(hf.resolve("config.json"));
        Files.writeString(hf.resolve("config.json"), config.replace("\"intermediate_size\":80", "\"intermediate_size\":96"));
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults().withThreads(1)));
        assertMessage(e, "model.safetensors", "mlp.gate_proj.weight", "config.json");
    }

    @Test
    void missingShardIsNamed() throws Exception {
        Path hf = dir.resolve("s");
        HfFixture.write(HfFixture.qwen3Moe("BF16", 2), hf, dir.resolve("s.gguf"));
        Files.delete(hf.resolve("model-00002-of-00002.safetensors"));
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults().withThreads(1)));
        assertMessage(e, "missing shard model-00002-of-00002.safetensors", "model.");
    }

    @Test
    void unknownModelTypeIsNamed() throws Exception {
        Path hf = dir.resolve("u");
        HfFixture.write(HfFixture.qwen2("F32"), hf, dir.resolve("u.gguf"));
        Files.writeString(hf.resolve("config.json"),
                Files.readString(hf.resolve("config.json")).replace("\"model_type\":\"qwen2\"", "\"model_type\":\"llama\""));
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults().withThreads(1)));
        assertMessage(e, "config.json", "unknown model_type 'llama'", "qwen3_moe");
    }

    @Test
    void fp8WithoutScalesOrQuantizationConfig() throws Exception {
        Path hf = dir.resolve("f");
        HfFixture.write(HfFixture.qwen3("F8_E4M3"), hf, dir.resolve("f.gguf"));
        String config = Files.readString(hf.resolve("config.json"));
        Files.writeString(hf.resolve("config.json"), config.replaceAll(",\"quantization_config\":\\{[^}]*}", ""));
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults().withThreads(1)));
        assertMessage(e, "model.safetensors", "FP8", "quantization_config");
    }

    @Test
    void unknownTensorNamesAreReportedForConversion() throws Exception {
        Path hf = dir.resolve("x");
        Files.createDirectories(hf);
        new SafetensorsTestWriter().add("model.adapter.proj", "F32", new long[] {1}, new byte[4]).write(hf, 1);
        Files.writeString(hf.resolve("config.json"), "{\"model_type\":\"qwen3\",\"hidden_size\":8,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":2,\"vocab_size\":10}");
        var config = HfConfig.read(hf);
        try (var w = HfModelFolder.openWeights(hf, config, io.qwen4j.tensor.TensorType.F32)) {
            assertMessage(assertThrows(InvalidInputException.class, w::ggufNames), "model.adapter.proj");
        }
        assertTrue(List.of(HfTensorNames.toGguf("model.layers.3.mlp.experts.7.down_proj.weight").orElseThrow())
                .getFirst().equals(new HfTensorNames.Reverse("blk.3.ffn_down_exps.weight", 7)));
    }
}
