package io.qwen4j.loader.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.safetensors.SafetensorsCheckpoint;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Fp8WeightsTest {

    @TempDir
    Path dir;

    record Loaded(TensorType type, float[] values) {
    }

    @Test
    void decodeTableMatchesTheDefinition() {
        for (int code = 0; code < 256; code++) {
            double expected = Fp8Reference.decode(code);
            assertEquals(expected, Fp8Weights.E4M3FN[code], 0, "code " + code);
        }
    }

    /** An 8x8 FP8 gate_proj with one scale (per-tensor blocks of 128), loaded through HfWeights. */
    private Loaded load(float[] scales, String scaleDtype, byte[] codes, long[] scaleShape) throws Exception {
        new SafetensorsTestWriter()
                .add("model.layers.0.mlp.gate_proj.weight", "F8_E4M3", new long[] {8, 8}, codes)
                .add("model.layers.0.mlp.gate_proj.weight_scale_inv", scaleDtype, scaleShape,
                        HfFixture.encode(scaleDtype, scales))
                .write(dir, 1);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"qwen3\",\"hidden_size\":8,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":2,\"vocab_size\":10,\"quantization_config\":{\"quant_method\":\"fp8\","
                + "\"weight_block_size\":[128,128]}}");
        try (var weights = new HfWeights(SafetensorsCheckpoint.open(dir), HfConfig.read(dir), HfWeights.DEFAULT_FP8_TARGET)) {
            Tensor t = weights.tensor("blk.0.ffn_gate.weight");
            float[] values = new float[64];
            QuantFormats.of(t.type()).dequantize(t.data(), 0, values, 0, 64);
            return new Loaded(t.type(), values);
        }
    }

    @Test
    void ordinaryScalesBecomeF16WithinItsPrecision() throws Exception {
        byte[] codes = new byte[64];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (i * 4 + 1); // subnormals to large values, both signs, no NaN code
        }
        float scale = HfFixture.roundTo("BF16", new float[] {0.0123f})[0];
        Loaded l = load(new float[] {scale}, "BF16", codes, new long[] {1, 1});
        assertEquals(TensorType.F16, l.type());
        for (int i = 0; i < codes.length; i++) {
            double exact = Fp8Reference.decode(codes[i] & 0xFF) * scale;
            assertEquals(exact, l.values()[i], Math.abs(exact) * 0x1p-11 + 1e-7, "element " + i);
        }
    }

    @Test
    void scalesThatWouldOverflowF16FallBackToExactF32() throws Exception {
        byte[] codes = new byte[64];
        codes[5] = 0x7E; // 448
        codes[6] = (byte) 0xFE; // -448
        Loaded l = load(new float[] {1000f}, "F32", codes, new long[] {1, 1});
        assertEquals(TensorType.F32, l.type());
        assertEquals(448_000f, l.values()[5]);
        assertEquals(-448_000f, l.values()[6]);
        assertEquals(0f, l.values()[0]);
    }

    @Test
    void scaleGridMustMatchTheBlocks() {
        var e = assertThrows(InvalidInputException.class, () -> load(new float[] {1f, 1f}, "F32", new byte[64], new long[] {2, 1}));
        assertTrue(e.getMessage().contains("weight_scale_inv") && e.getMessage().contains("[1, 1]"), e.getMessage());
    }
}
