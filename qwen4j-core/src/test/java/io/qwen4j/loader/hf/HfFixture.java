package io.qwen4j.loader.hf;

import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.GgufVocabulary;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a small HF checkpoint folder (config.json, generation_config.json, the real Qwen3 tokenizer files,
 * safetensors in one dtype) and the same weights as an F32 GGUF, from names and shapes declared here
 * independently of the loader's table. For FP8 the GGUF holds the exact dequantized values
 * {@code fp8 x scale}, the reference semantics of CONTRACTS.md.
 */
final class HfFixture {

    static final Path SHARED = findShared();
    static final Path QWEN3_TOKENIZER = SHARED.resolve("qwen/qwen3");
    static final int REAL_VOCAB = 151_936;
    /** Small fixtures keep the first {@value #SMALL_TOKENS} tokens of Qwen3's tokenizer, then 3 specials, then padding. */
    static final int SMALL_TOKENS = 1000;
    static final int SMALL_VOCAB = 1008;

    /** A model to write. {@code dtype} is F32, F16, BF16 or F8_E4M3 (block scales of {@code fp8Block}). */
    record Spec(String modelType, int hidden, int layers, int heads, int kvHeads, int headDim, int ffn, int experts,
                int expertsUsed, int moeFfn, boolean tied, String dtype, int fp8Block, String scaleDtype, int shards,
                long seed, int vocab) {
        /** Qwen2-MoE's shared expert, {@code ffn} wide, beside the routed ones. */
        boolean sharedExpert() {
            return modelType.equals("qwen2_moe");
        }

        /** The same model with the real Qwen3 tokenizer and its 151,936-row embedding. */
        Spec withRealTokenizer() {
            return new Spec(modelType, hidden, layers, heads, kvHeads, headDim, ffn, experts, expertsUsed, moeFfn, tied,
                    dtype, fp8Block, scaleDtype, shards, seed, REAL_VOCAB);
        }

        String arch() {
            return modelType.replace("_", "");
        }
    }

    static Spec qwen2(String dtype) {
        return new Spec("qwen2", 32, 2, 4, 2, 8, 48, 0, 0, 0, false, dtype, 32, "BF16", 1, 11, SMALL_VOCAB);
    }

    static Spec qwen3(String dtype) {
        return new Spec("qwen3", 32, 2, 4, 2, 16, 80, 0, 0, 0, true, dtype, 32, "F32", 1, 12, SMALL_VOCAB);
    }

    static Spec qwen2Moe(String dtype) {
        return new Spec("qwen2_moe", 32, 2, 4, 2, 8, 40, 4, 2, 32, false, dtype, 32, "BF16", 2, 14, SMALL_VOCAB);
    }

    static Spec qwen3Moe(String dtype, int shards) {
        return new Spec("qwen3_moe", 32, 2, 4, 1, 16, 64, 4, 2, 32, false, dtype, 32, "BF16", shards, 13, SMALL_VOCAB);
    }

    /** One HF tensor: its GGUF name (a stacked expert tensor for experts) and its values as stored. */
    private record Planned(String gguf, String hf, long[] hfShape, double std, Kind kind, int expert) {
    }

    private enum Kind { EMBEDDING, NORM, BIAS, LINEAR, ROUTER }

    private final Spec spec;
    private final SplittableRandom random;

    private HfFixture(Spec spec) {
        this.spec = spec;
        this.random = new SplittableRandom(spec.seed());
    }

    static void write(Spec spec, Path hfDir, Path gguf) throws IOException {
        new HfFixture(spec).writeAll(hfDir, gguf);
    }

    private List<Planned> plan() {
        var p = new ArrayList<Planned>();
        int d = spec.hidden();
        int q = spec.heads() * spec.headDim();
        int kv = spec.kvHeads() * spec.headDim();
        p.add(new Planned("token_embd.weight", "model.embed_tokens.weight", new long[] {spec.vocab(), d}, 1, Kind.EMBEDDING, -1));
        for (int l = 0; l < spec.layers(); l++) {
            String b = "blk." + l + ".";
            String h = "model.layers." + l + ".";
            p.add(new Planned(b + "attn_norm.weight", h + "input_layernorm.weight", new long[] {d}, 1, Kind.NORM, -1));
            p.add(new Planned(b + "attn_q.weight", h + "self_attn.q_proj.weight", new long[] {q, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
            p.add(new Planned(b + "attn_k.weight", h + "self_attn.k_proj.weight", new long[] {kv, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
            p.add(new Planned(b + "attn_v.weight", h + "self_attn.v_proj.weight", new long[] {kv, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
            if (spec.modelType().startsWith("qwen2")) {
                p.add(new Planned(b + "attn_q.bias", h + "self_attn.q_proj.bias", new long[] {q}, 0.2, Kind.BIAS, -1));
                p.add(new Planned(b + "attn_k.bias", h + "self_attn.k_proj.bias", new long[] {kv}, 0.2, Kind.BIAS, -1));
                p.add(new Planned(b + "attn_v.bias", h + "self_attn.v_proj.bias", new long[] {kv}, 0.2, Kind.BIAS, -1));
            } else {
                p.add(new Planned(b + "attn_q_norm.weight", h + "self_attn.q_norm.weight", new long[] {spec.headDim()}, 1, Kind.NORM, -1));
                p.add(new Planned(b + "attn_k_norm.weight", h + "self_attn.k_norm.weight", new long[] {spec.headDim()}, 1, Kind.NORM, -1));
            }
            p.add(new Planned(b + "attn_output.weight", h + "self_attn.o_proj.weight", new long[] {d, q}, 1 / Math.sqrt(q), Kind.LINEAR, -1));
            p.add(new Planned(b + "ffn_norm.weight", h + "post_attention_layernorm.weight", new long[] {d}, 1, Kind.NORM, -1));
            if (spec.experts() > 0) {
                int f = spec.moeFfn();
                p.add(new Planned(b + "ffn_gate_inp.weight", h + "mlp.gate.weight", new long[] {spec.experts(), d}, 2 / Math.sqrt(d), Kind.ROUTER, -1));
                for (int e = 0; e < spec.experts(); e++) {
                    String x = h + "mlp.experts." + e + ".";
                    p.add(new Planned(b + "ffn_gate_exps.weight", x + "gate_proj.weight", new long[] {f, d}, 1 / Math.sqrt(d), Kind.LINEAR, e));
                    p.add(new Planned(b + "ffn_up_exps.weight", x + "up_proj.weight", new long[] {f, d}, 1 / Math.sqrt(d), Kind.LINEAR, e));
                    p.add(new Planned(b + "ffn_down_exps.weight", x + "down_proj.weight", new long[] {d, f}, 1 / Math.sqrt(f), Kind.LINEAR, e));
                }
                if (spec.sharedExpert()) {
                    int s = spec.ffn();
                    String x = h + "mlp.shared_expert.";
                    p.add(new Planned(b + "ffn_gate_inp_shexp.weight", h + "mlp.shared_expert_gate.weight", new long[] {1, d}, 1 / Math.sqrt(d), Kind.ROUTER, -1));
                    p.add(new Planned(b + "ffn_gate_shexp.weight", x + "gate_proj.weight", new long[] {s, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
                    p.add(new Planned(b + "ffn_up_shexp.weight", x + "up_proj.weight", new long[] {s, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
                    p.add(new Planned(b + "ffn_down_shexp.weight", x + "down_proj.weight", new long[] {d, s}, 1 / Math.sqrt(s), Kind.LINEAR, -1));
                }
            } else {
                int f = spec.ffn();
                p.add(new Planned(b + "ffn_gate.weight", h + "mlp.gate_proj.weight", new long[] {f, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
                p.add(new Planned(b + "ffn_up.weight", h + "mlp.up_proj.weight", new long[] {f, d}, 1 / Math.sqrt(d), Kind.LINEAR, -1));
                p.add(new Planned(b + "ffn_down.weight", h + "mlp.down_proj.weight", new long[] {d, f}, 1 / Math.sqrt(f), Kind.LINEAR, -1));
            }
        }
        p.add(new Planned("output_norm.weight", "model.norm.weight", new long[] {d}, 1, Kind.NORM, -1));
        if (!spec.tied()) {
            p.add(new Planned("output.weight", "lm_head.weight", new long[] {spec.vocab(), d}, 3 / Math.sqrt(d), Kind.EMBEDDING, -1));
        }
        return p;
    }

    private void writeAll(Path hfDir, Path gguf) throws IOException {
        Files.createDirectories(hfDir);
        var st = new SafetensorsTestWriter();
        Map<String, List<float[]>> ggufValues = new LinkedHashMap<>();
        Map<String, long[]> ggufShapes = new LinkedHashMap<>();
        for (Planned t : plan()) {
            int n = Math.toIntExact(Arrays.stream(t.hfShape()).reduce(1, Math::multiplyExact));
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                double u = (random.nextDouble() * 2 - 1) * Math.sqrt(3) * t.std();
                values[i] = (float) (t.kind() == Kind.NORM ? 1 + 0.2 * u : u);
            }
            boolean fp8 = spec.dtype().equals("F8_E4M3") && t.kind() == Kind.LINEAR;
            String dtype = fp8 || spec.dtype().equals("F8_E4M3") ? (fp8 ? "F8_E4M3" : "BF16") : spec.dtype();
            float[] stored;
            if (fp8) {
                stored = writeFp8(st, t, values);
            } else {
                stored = roundTo(dtype, values);
                st.add(t.hf(), dtype, t.hfShape(), encode(dtype, stored));
            }
            ggufValues.computeIfAbsent(t.gguf(), k -> new ArrayList<>()).add(stored);
            long[] g = {t.hfShape()[t.hfShape().length - 1], t.hfShape().length > 1 ? t.hfShape()[0] : 1};
            ggufShapes.put(t.gguf(), t.hfShape().length == 1 ? new long[] {t.hfShape()[0]}
                    : t.expert() >= 0 ? new long[] {g[0], g[1], spec.experts()} : g);
        }
        st.write(hfDir, spec.shards());
        writeJsonFiles(hfDir);
        writeGguf(gguf, hfDir.getFileName().toString(), ggufValues, ggufShapes);
    }

    /** Block-quantizes {@code values} to FP8 like Qwen's FP8 checkpoints; returns the dequantized values. */
    private float[] writeFp8(SafetensorsTestWriter st, Planned t, float[] values) {
        int rows = (int) t.hfShape()[0];
        int cols = (int) t.hfShape()[1];
        int bs = spec.fp8Block();
        int gr = (rows + bs - 1) / bs;
        int gc = (cols + bs - 1) / bs;
        float[] scales = new float[gr * gc];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int s = r / bs * gc + c / bs;
                scales[s] = Math.max(scales[s], Math.abs(values[r * cols + c]) / 448f);
            }
        }
        scales = roundTo(spec.scaleDtype(), scales);
        byte[] codes = new byte[rows * cols];
        float[] dequantized = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float scale = scales[r / bs * gc + c / bs];
                int code = Fp8Reference.nearest(values[r * cols + c] / scale);
                codes[r * cols + c] = (byte) code;
                dequantized[r * cols + c] = (float) (Fp8Reference.decode(code) * (double) scale);
            }
        }
        st.add(t.hf(), "F8_E4M3", t.hfShape(), codes);
        st.add(t.hf() + "_scale_inv", spec.scaleDtype(), new long[] {gr, gc}, encode(spec.scaleDtype(), scales));
        return dequantized;
    }

    static float[] roundTo(String dtype, float[] v) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = switch (dtype) {
                case "F32" -> v[i];
                case "F16" -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                case "BF16" -> Float.intBitsToFloat(bf16Bits(v[i]) << 16);
                default -> throw new IllegalArgumentException(dtype);
            };
        }
        return r;
    }

    /** Round-to-nearest-even to the upper 16 bits (finite inputs). */
    static int bf16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    static byte[] encode(String dtype, float[] v) {
        int size = dtype.equals("F32") ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(v.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            switch (dtype) {
                case "F32" -> b.putFloat(f);
                case "F16" -> b.putShort(Float.floatToFloat16(f));
                case "BF16" -> b.putShort((short) bf16Bits(f));
                default -> throw new IllegalArgumentException(dtype);
            }
        }
        return b.array();
    }

    private void writeJsonFiles(Path dir) throws IOException {
        var c = new StringBuilder("{\"architectures\":[\"X\"],\"model_type\":\"" + spec.modelType() + "\"");
        c.append(",\"hidden_size\":").append(spec.hidden()).append(",\"num_hidden_layers\":").append(spec.layers())
                .append(",\"num_attention_heads\":").append(spec.heads()).append(",\"num_key_value_heads\":").append(spec.kvHeads())
                .append(",\"intermediate_size\":").append(spec.ffn()).append(",\"vocab_size\":").append(spec.vocab())
                .append(",\"rms_norm_eps\":1e-06,\"rope_theta\":1000000.0,\"max_position_embeddings\":256")
                .append(",\"tie_word_embeddings\":").append(spec.tied()).append(",\"torch_dtype\":\"bfloat16\"");
        if (!spec.modelType().startsWith("qwen2")) {
            c.append(",\"head_dim\":").append(spec.headDim());
        }
        if (spec.experts() > 0) {
            c.append(",\"num_experts\":").append(spec.experts()).append(",\"num_experts_per_tok\":").append(spec.expertsUsed())
                    .append(",\"moe_intermediate_size\":").append(spec.moeFfn())
                    .append(",\"norm_topk_prob\":").append(!spec.sharedExpert());
        }
        if (spec.sharedExpert()) {
            c.append(",\"shared_expert_intermediate_size\":").append(spec.ffn());
        }
        if (spec.dtype().equals("F8_E4M3")) {
            c.append(",\"quantization_config\":{\"activation_scheme\":\"dynamic\",\"fmt\":\"e4m3\",\"quant_method\":\"fp8\""
                    + ",\"weight_block_size\":[").append(spec.fp8Block()).append(',').append(spec.fp8Block()).append("]}");
        }
        c.append(",\"rope_scaling\":null}");
        Files.writeString(dir.resolve("config.json"), c);
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"do_sample\":true,\"eos_token_id\":[151645,151643],\"temperature\":0.6,\"top_k\":20,\"top_p\":0.95}");
        Files.copy(QWEN3_TOKENIZER.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        if (spec.vocab() == REAL_VOCAB) {
            Files.copy(QWEN3_TOKENIZER.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        } else {
            writeSmallTokenizer(dir.resolve("tokenizer.json"));
        }
    }

    private void writeGguf(Path file, String hfDirName, Map<String, List<float[]>> values, Map<String, long[]> shapes) throws IOException {
        String a = spec.arch();
        var w = new GgufWriter();
        w.putString("general.architecture", a);
        w.putUInt32(a + ".block_count", spec.layers());
        w.putUInt32(a + ".context_length", 256);
        w.putUInt32(a + ".embedding_length", spec.hidden());
        w.putUInt32(a + ".feed_forward_length", spec.ffn());
        w.putUInt32(a + ".attention.head_count", spec.heads());
        w.putUInt32(a + ".attention.head_count_kv", spec.kvHeads());
        w.putUInt32(a + ".attention.key_length", spec.headDim());
        w.putUInt32(a + ".attention.value_length", spec.headDim());
        w.putFloat32(a + ".rope.freq_base", 1_000_000f);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        if (spec.experts() > 0) {
            w.putUInt32(a + ".expert_count", spec.experts());
            w.putUInt32(a + ".expert_used_count", spec.expertsUsed());
            w.putUInt32(a + ".expert_feed_forward_length", spec.moeFfn());
        }
        if (spec.sharedExpert()) {
            w.putUInt32(a + ".expert_shared_feed_forward_length", spec.ffn());
        }
        GgufVocabulary.write(w, Vocabulary.fromHuggingFace(file.resolveSibling(hfDirName), spec.vocab()));
        for (var e : values.entrySet()) {
            List<float[]> parts = e.getValue();
            int total = parts.stream().mapToInt(p -> p.length).sum();
            float[] all = new float[total];
            int pos = 0;
            for (float[] p : parts) {
                System.arraycopy(p, 0, all, pos, p.length);
                pos += p.length;
            }
            w.addTensor(e.getKey(), TensorType.F32, shapes.get(e.getKey()), MemorySegment.ofArray(all));
        }
        w.write(file);
    }

    /**
     * Qwen3's tokenizer cut to its first {@value #SMALL_TOKENS} tokens (the byte alphabet and early merges)
     * plus {@code <|endoftext|>}, {@code <|im_start|>}, {@code <|im_end|>} renumbered after them: a real
     * Qwen pipeline at a size that keeps the embedding tiny.
     */
    static void writeSmallTokenizer(Path out) throws IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(QWEN3_TOKENIZER.resolve("tokenizer.json").toFile());
        var model = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("model");
        var vocab = json.createObjectNode();
        var kept = new java.util.HashSet<String>();
        model.get("vocab").properties().forEach(e -> {
            if (e.getValue().asInt() < SMALL_TOKENS) {
                vocab.put(e.getKey(), e.getValue().asInt());
                kept.add(e.getKey());
            }
        });
        var merges = json.createArrayNode();
        for (var m : model.get("merges")) {
            String a = m.isArray() ? m.get(0).asText() : m.asText().split(" ")[0];
            String b = m.isArray() ? m.get(1).asText() : m.asText().split(" ")[1];
            if (kept.contains(a) && kept.contains(b) && kept.contains(a + b)) {
                merges.add(m);
            }
        }
        model.set("vocab", vocab);
        model.set("merges", merges);
        var added = json.createArrayNode();
        for (int i = 0; i < 3; i++) {
            var t = ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("added_tokens").get(i)).deepCopy();
            t.put("id", SMALL_TOKENS + i);
            added.add(t);
        }
        root.set("added_tokens", added);
        json.writeValue(out.toFile(), root);
    }

    static Path findShared() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (d.resolve("../shared/README.md").toFile().isFile()) {
                return d.resolve("../shared").normalize();
            }
        }
        throw new IllegalStateException("../shared not found above " + Path.of("").toAbsolutePath());
    }

    static float readFloat(MemorySegment s, long i) {
        return s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * i);
    }
}
