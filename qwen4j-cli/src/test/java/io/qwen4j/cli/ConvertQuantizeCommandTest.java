package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.tensor.TensorType;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code convert} and {@code quantize} end to end through Main.run, including their error contract. */
class ConvertQuantizeCommandTest {

    @TempDir
    Path dir;

    static final int VOCAB = 151_936;
    static final int DIM = 32;

    /** A one-layer Qwen3 HF folder with F32 safetensors (written from the format description). */
    private Path hfFolder() throws Exception {
        Path hf = dir.resolve("tiny-qwen3");
        Files.createDirectories(hf);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {VOCAB, DIM});
        shapes.put("model.norm.weight", new long[] {DIM});
        String p = "model.layers.0.";
        shapes.put(p + "input_layernorm.weight", new long[] {DIM});
        shapes.put(p + "post_attention_layernorm.weight", new long[] {DIM});
        shapes.put(p + "self_attn.q_proj.weight", new long[] {64, DIM});
        shapes.put(p + "self_attn.k_proj.weight", new long[] {32, DIM});
        shapes.put(p + "self_attn.v_proj.weight", new long[] {32, DIM});
        shapes.put(p + "self_attn.o_proj.weight", new long[] {DIM, 64});
        shapes.put(p + "self_attn.q_norm.weight", new long[] {32});
        shapes.put(p + "self_attn.k_norm.weight", new long[] {32});
        shapes.put(p + "mlp.gate_proj.weight", new long[] {64, DIM});
        shapes.put(p + "mlp.up_proj.weight", new long[] {64, DIM});
        shapes.put(p + "mlp.down_proj.weight", new long[] {DIM, 64});
        var header = new StringBuilder("{");
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            header.append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(e.getValue()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + 4 * n).append("]},");
            offset += 4 * n;
        }
        header.setCharAt(header.length() - 1, '}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        var random = new Random(3);
        try (OutputStream out = Files.newOutputStream(hf.resolve("model.safetensors"))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            ByteBuffer data = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
            while (data.hasRemaining()) {
                data.putFloat((float) random.nextGaussian() * 0.1f);
            }
            out.write(data.array());
        }
        Files.writeString(hf.resolve("config.json"), "{\"model_type\":\"qwen3\",\"hidden_size\":32,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":2,\"num_key_value_heads\":1,\"head_dim\":32,\"intermediate_size\":64,"
                + "\"vocab_size\":151936,\"rms_norm_eps\":1e-6,\"rope_theta\":1000000,\"max_position_embeddings\":128,"
                + "\"tie_word_embeddings\":true}");
        Path tokenizer = CliRun.shared().resolve("qwen/qwen3");
        Files.copy(tokenizer.resolve("tokenizer.json"), hf.resolve("tokenizer.json"));
        Files.copy(tokenizer.resolve("tokenizer_config.json"), hf.resolve("tokenizer_config.json"));
        return hf;
    }

    @Test
    void convertsThenQuantizes() throws Exception {
        Path hf = hfFolder();
        Path f16 = dir.resolve("tiny-f16.gguf");
        CliRun run = CliRun.run("", "convert", hf.toString(), "-o", f16.toString(), "--type", "F16");
        assertEquals(0, run.status(), run.err());
        assertEquals("", run.out());
        try (GgufFile f = GgufFile.open(f16)) {
            assertEquals(TensorType.F16, f.tensor("token_embd.weight").type());
            assertEquals(TensorType.F32, f.tensor("blk.0.attn_q_norm.weight").type());
            assertEquals("qwen3", f.metadata().getString("general.architecture"));
            assertTrue(f.metadata().contains("tokenizer.chat_template"));
        }
        Path q8 = dir.resolve("tiny-q8.gguf");
        run = CliRun.run("", "quantize", f16.toString(), q8.toString(), "q8_0");
        assertEquals(0, run.status(), run.err());
        try (GgufFile f = GgufFile.open(q8)) {
            assertEquals(TensorType.Q8_0, f.tensor("blk.0.ffn_up.weight").type());
            assertEquals(7, f.metadata().getInt("general.file_type"));
        }
        assertFalse(Files.exists(dir.resolve("tiny-q8.gguf.partial")));
    }

    @Test
    void badInputExitsWithTwoAndOneLine() throws Exception {
        Path hf = hfFolder();
        CliRun run = CliRun.run("", "convert", hf.toString(), "-o", dir.resolve("x.gguf").toString(), "--type", "q3_k_l");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("q3_k_l") && run.err().strip().lines().count() == 1, run.err());
        run = CliRun.run("", "convert", dir.toString(), "-o", dir.resolve("x.gguf").toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("config.json"), run.err());
        assertFalse(Files.exists(dir.resolve("x.gguf")));
        run = CliRun.run("", "quantize", dir.resolve("missing.gguf").toString(), dir.resolve("y.gguf").toString(), "q8_0");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("missing.gguf"), run.err());
    }
}
