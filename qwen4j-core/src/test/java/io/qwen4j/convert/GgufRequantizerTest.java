package io.qwen4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quantize} picks llama.cpp's types (llama-quant.cpp, llama_tensor_get_type) and copies metadata. */
class GgufRequantizerTest {

    @TempDir
    Path dir;

    static final int DIM = 256;
    static final int FFN = 512;
    static final int LAYERS = 8;

    /**
     * use_more_bits(i, 8): i < 8/8, i >= 7*8/8, or (i - 1) % 3 == 2, i.e. layers 0, 3, 6, 7 (worked out by
     * hand from the llama.cpp source's definition).
     */
    static final Set<Integer> MORE_BITS_OF_8 = Set.of(0, 3, 6, 7);

    private final Random random = new Random(7);

    private void f32(GgufWriter w, String name, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * 0.05f + (shape.length == 1 ? 1 : 0);
        }
        w.addTensor(name, TensorType.F32, shape, MemorySegment.ofArray(v));
    }

    private Path model(int experts) throws Exception {
        return model(experts, 0, 0);
    }

    /** With {@code heads > 0}, the attention head counts in the metadata (their ratio is llama.cpp's {@code n_gqa}). */
    private Path model(int experts, int heads, int kvHeads) throws Exception {
        var w = new GgufWriter();
        w.putString("general.architecture", "qwen3moe");
        w.putString("general.name", "mix test");
        w.putUInt32("general.file_type", 0);
        w.putUInt32("qwen3moe.block_count", LAYERS);
        w.putUInt32("qwen3moe.expert_count", experts);
        if (heads > 0) {
            w.putUInt32("qwen3moe.attention.head_count", heads);
            w.putUInt32("qwen3moe.attention.head_count_kv", kvHeads);
        }
        w.putString("tokenizer.chat_template", "{{ messages }}");
        f32(w, "token_embd.weight", DIM, 300);
        f32(w, "output_norm.weight", DIM);
        f32(w, "output.weight", DIM, 512);
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            f32(w, b + "attn_norm.weight", DIM);
            f32(w, b + "attn_q.weight", DIM, DIM);
            f32(w, b + "attn_k.weight", DIM, 128);
            f32(w, b + "attn_v.weight", DIM, 128);
            f32(w, b + "attn_output.weight", DIM, DIM);
            f32(w, b + "ffn_norm.weight", DIM);
            if (experts > 0) {
                f32(w, b + "ffn_gate_inp.weight", DIM, experts);
                f32(w, b + "ffn_gate_exps.weight", DIM, FFN, experts);
                f32(w, b + "ffn_up_exps.weight", DIM, FFN, experts);
                f32(w, b + "ffn_down_exps.weight", FFN, DIM, experts);
            } else {
                f32(w, b + "ffn_gate.weight", DIM, FFN);
                f32(w, b + "ffn_up.weight", DIM, FFN);
                f32(w, b + "ffn_down.weight", FFN, DIM);
            }
        }
        Path file = dir.resolve("in-" + experts + "-" + heads + "-" + kvHeads + ".gguf");
        w.write(file);
        return file;
    }

    @Test
    void q4KMixGivesQ6KWhereLlamaCppDoes() throws Exception {
        Path in = model(0);
        Path out = dir.resolve("q4km.gguf");
        GgufRequantizer.quantize(in, out, GgufTarget.parse("q4_k_m"), line -> { });
        IntFunction<TensorType> more = l -> MORE_BITS_OF_8.contains(l) ? TensorType.Q6_K : TensorType.Q4_K;
        assertEquals(denseTypes(TensorType.Q4_K, more, more), HfToGgufTest.types(out));
        try (GgufFile f = GgufFile.open(out); GgufFile src = GgufFile.open(in)) {
            assertEquals(15, f.metadata().getInt("general.file_type"));
            assertEquals("mix test", f.metadata().getString("general.name"));
            assertEquals("{{ messages }}", f.metadata().getString("tokenizer.chat_template"));
            assertEquals(2, f.metadata().getInt("general.quantization_version"));
            assertClose(src.tensor("blk.3.ffn_down.weight"), f.tensor("blk.3.ffn_down.weight"), 0.02);
            assertClose(src.tensor("blk.1.attn_q.weight"), f.tensor("blk.1.attn_q.weight"), 0.1); // 4 bits on Gaussian values: ~7%
        }
    }

    /**
     * Every tensor's type in the dense {@link #model} quantized to a mix whose matrices are {@code base} except
     * {@code attn_v} and {@code ffn_down} (per layer) and {@code output.weight} (Q6_K); norms F32.
     */
    private static Map<String, TensorType> denseTypes(TensorType base, IntFunction<TensorType> attnV, IntFunction<TensorType> ffnDown) {
        var expected = new LinkedHashMap<String, TensorType>();
        expected.put("token_embd.weight", base);
        expected.put("output_norm.weight", TensorType.F32);
        expected.put("output.weight", TensorType.Q6_K);
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            expected.put(b + "attn_norm.weight", TensorType.F32);
            expected.put(b + "attn_q.weight", base);
            expected.put(b + "attn_k.weight", base);
            expected.put(b + "attn_v.weight", attnV.apply(l));
            expected.put(b + "attn_output.weight", base);
            expected.put(b + "ffn_norm.weight", TensorType.F32);
            expected.put(b + "ffn_gate.weight", base);
            expected.put(b + "ffn_up.weight", base);
            expected.put(b + "ffn_down.weight", ffnDown.apply(l));
        }
        return expected;
    }

    @Test
    void eightExpertModelsGetLlamaCppsAttentionBumpsAndKeepTheRouterF32() throws Exception {
        Path in = model(8);
        Path out = dir.resolve("moe.gguf");
        GgufRequantizer.quantize(in, out, GgufTarget.parse("Q4_K_M"), line -> { });
        Map<String, TensorType> t = HfToGgufTest.types(out);
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            assertEquals(TensorType.Q8_0, t.get(b + "attn_v.weight"));
            assertEquals(TensorType.Q8_0, t.get(b + "attn_k.weight"));
            assertEquals(TensorType.Q5_K, t.get(b + "attn_output.weight"));
            assertEquals(TensorType.F32, t.get(b + "ffn_gate_inp.weight"));
            assertEquals(TensorType.Q4_K, t.get(b + "ffn_gate_exps.weight"));
            assertEquals(MORE_BITS_OF_8.contains(l) ? TensorType.Q6_K : TensorType.Q4_K, t.get(b + "ffn_down_exps.weight"));
        }
    }

    /**
     * llama.cpp's IQ4_XS without an importance matrix: output Q6_K; attn_v Q5_K when n_gqa >= 4 (16 / 4 here);
     * ffn_down Q5_K in the first eighth of the layers (layer 0 of 8); the rest IQ4_XS, token_embd included.
     */
    @Test
    void iq4XsMixGivesQ5KWhereLlamaCppDoes() throws Exception {
        Path in = model(0, 16, 4);
        Path out = dir.resolve("iq4xs.gguf");
        GgufRequantizer.quantize(in, out, GgufTarget.parse("iq4_xs"), line -> { });
        assertEquals(denseTypes(TensorType.IQ4_XS, l -> TensorType.Q5_K, l -> l == 0 ? TensorType.Q5_K : TensorType.IQ4_XS),
                HfToGgufTest.types(out));
        try (GgufFile f = GgufFile.open(out); GgufFile src = GgufFile.open(in)) {
            assertEquals(30, f.metadata().getInt("general.file_type"));
            assertClose(src.tensor("blk.1.attn_q.weight"), f.tensor("blk.1.attn_q.weight"), 0.1);
        }
    }

    /** IQ4_NL with n_gqa 2 keeps attn_v; with 8 experts attn_v/attn_k go to Q8_0 and attn_output to Q5_K. */
    @Test
    void iq4NlMixFollowsTheHeadRatioAndTheEightExpertRules() throws Exception {
        Path dense = dir.resolve("iq4nl.gguf");
        GgufRequantizer.quantize(model(0, 16, 8), dense, GgufTarget.parse("IQ4_NL"), line -> { });
        assertEquals(denseTypes(TensorType.IQ4_NL, l -> TensorType.IQ4_NL, l -> l == 0 ? TensorType.Q5_K : TensorType.IQ4_NL),
                HfToGgufTest.types(dense));
        Path moe = dir.resolve("iq4nl-moe.gguf");
        GgufRequantizer.quantize(model(8, 16, 8), moe, GgufTarget.parse("IQ4_NL"), line -> { });
        Map<String, TensorType> m = HfToGgufTest.types(moe);
        assertEquals(TensorType.Q8_0, m.get("blk.2.attn_v.weight"));
        assertEquals(TensorType.Q8_0, m.get("blk.2.attn_k.weight"));
        assertEquals(TensorType.Q5_K, m.get("blk.2.attn_output.weight"));
        assertEquals(TensorType.Q5_K, m.get("blk.0.ffn_down_exps.weight"));
        assertEquals(TensorType.IQ4_NL, m.get("blk.2.ffn_down_exps.weight"));
        try (GgufFile f = GgufFile.open(moe)) {
            assertEquals(25, f.metadata().getInt("general.file_type"));
        }
    }

    /** llama.cpp's MXFP4_MOE: the experts MXFP4, every other matrix Q8_0 (output and embeddings too), norms and router F32. */
    @Test
    void mxfp4MoeQuantizesOnlyTheExperts() throws Exception {
        Path in = model(4);
        Path out = dir.resolve("mxfp4.gguf");
        GgufRequantizer.quantize(in, out, GgufTarget.parse("mxfp4_moe"), line -> { });
        Map<String, TensorType> types = HfToGgufTest.types(out);
        for (var entry : types.entrySet()) {
            String name = entry.getKey();
            TensorType expected = name.contains("_exps") ? TensorType.MXFP4
                    : name.contains("norm") || name.contains("ffn_gate_inp") ? TensorType.F32 : TensorType.Q8_0;
            assertEquals(expected, entry.getValue(), name);
        }
        assertEquals(TensorType.MXFP4, types.get("blk.7.ffn_down_exps.weight"));
        try (GgufFile f = GgufFile.open(out); GgufFile src = GgufFile.open(in)) {
            assertEquals(38, f.metadata().getInt("general.file_type"));
            assertClose(src.tensor("blk.1.ffn_up_exps.weight"), f.tensor("blk.1.ffn_up_exps.weight"), 0.2);
        }
    }

    @Test
    void q8RequantizationRoundTripsThroughF16() throws Exception {
        Path in = model(0);
        Path q8 = dir.resolve("q8.gguf");
        Path f16 = dir.resolve("f16.gguf");
        GgufRequantizer.quantize(in, q8, GgufTarget.parse("Q8_0"), line -> { });
        GgufRequantizer.quantize(q8, f16, GgufTarget.parse("f16"), line -> { });
        try (GgufFile src = GgufFile.open(in); GgufFile a = GgufFile.open(q8); GgufFile b = GgufFile.open(f16)) {
            assertEquals(TensorType.Q8_0, a.tensor("output.weight").type(), "Q8_0 keeps the output at Q8_0");
            assertEquals(TensorType.F16, b.tensor("blk.0.ffn_down.weight").type());
            assertEquals(1, b.metadata().getInt("general.file_type"));
            assertClose(src.tensor("blk.0.ffn_down.weight"), b.tensor("blk.0.ffn_down.weight"), 0.01);
        }
        var e = assertThrows(InvalidInputException.class, () -> GgufTarget.parse("q3_k_xl"));
        assertTrue(e.getMessage().contains("q3_k_xl") && e.getMessage().contains("q4_k_m"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> GgufRequantizer.quantize(in, in, GgufTarget.Q8_0, line -> { }));
    }

    /** RMS error relative to RMS value, via each format's reference dequantizer. */
    static void assertClose(Tensor expected, Tensor actual, double relative) {
        int n = Math.toIntExact(expected.elementCount());
        float[] a = new float[n];
        float[] b = new float[n];
        QuantFormats.of(expected.type()).dequantize(expected.data(), 0, a, 0, n);
        QuantFormats.of(actual.type()).dequantize(actual.data(), 0, b, 0, n);
        double err = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            err += (a[i] - b[i]) * (double) (a[i] - b[i]);
            norm += a[i] * (double) a[i];
        }
        double r = Math.sqrt(err / norm);
        assertTrue(r < relative, expected.name() + " relative RMS error " + r);
    }
}
