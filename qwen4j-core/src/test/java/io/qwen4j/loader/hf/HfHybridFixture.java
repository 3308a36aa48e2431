package io.qwen4j.loader.hf;

import io.qwen4j.gguf.GgufValue;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.GgufVocabulary;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A small hybrid HF folder (Qwen3.5, Qwen3.5-MoE or Qwen3-Next, F32) and the GGUF file llama.cpp's converter would make
 * of it, written side by side from the same random values. The GGUF side applies the converter's transforms, written
 * here from {@code convert_hf_to_gguf.py}: norms stored as {@code 1 + weight} (not the linear attention's gated norm),
 * {@code -exp(A_log)}, the conv1d squeezed, fused experts split, and for Qwen3.5 the value heads reordered from HF's
 * grouped order to ggml's tiled one ({@code _LinearAttentionVReorderBase}); Qwen3-Next's {@code in_proj_qkvz} and
 * {@code in_proj_ba} are kept as the older converter wrote them ({@code ssm_in}, {@code ssm_ba}).
 *
 * <p>Shapes: 4 layers (0 and 2 linear attention, 2 key / 4 value heads of 8), 4 attention heads of 16 over 2 KV heads
 * rotating half of each, hidden 32.
 */
final class HfHybridFixture {

    static final int HIDDEN = 32;
    static final int LAYERS = 4;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = 16;
    static final int FFN = 48;
    static final int KEY_HEADS = 2;
    static final int VALUE_HEADS = 4;
    static final int LINEAR_DIM = 8;
    static final int TAPS = 4;
    static final int EXPERTS = 4;
    static final int EXPERTS_USED = 2;
    static final int MOE_FFN = 16;
    static final int SHARED_FFN = 24;

    private final String modelType;
    private final SplittableRandom random = new SplittableRandom(21);
    private final SafetensorsTestWriter hf = new SafetensorsTestWriter();
    private final GgufWriter gguf = new GgufWriter();
    private final String prefix;

    private HfHybridFixture(String modelType) {
        this.modelType = modelType;
        this.prefix = modelType.equals("qwen3_next") ? "model." : "model.language_model.";
    }

    private boolean moe() {
        return !modelType.equals("qwen3_5");
    }

    private boolean next() {
        return modelType.equals("qwen3_next");
    }

    private String arch() {
        return modelType.replace("qwen3_5", "qwen35").replace("_", "");
    }

    static void write(String modelType, Path hfDir, Path ggufFile) throws IOException {
        new HfHybridFixture(modelType).writeAll(hfDir, ggufFile);
    }

    private void writeAll(Path hfDir, Path ggufFile) throws IOException {
        Files.createDirectories(hfDir);
        int vocab = HfFixture.SMALL_VOCAB;
        metadata();
        both("token_embd.weight", prefix + "embed_tokens.weight", random(vocab * HIDDEN, 1), vocab, HIDDEN);
        norm("output_norm.weight", prefix + "norm.weight", HIDDEN);
        both("output.weight", "lm_head.weight", random(vocab * HIDDEN, 3 / Math.sqrt(HIDDEN)), vocab, HIDDEN);
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            String h = prefix + "layers." + l + ".";
            norm(b + "attn_norm.weight", h + "input_layernorm.weight", HIDDEN);
            norm(b + "post_attention_norm.weight", h + "post_attention_layernorm.weight", HIDDEN);
            if (l % 2 == 0) {
                linearAttention(b, h + "linear_attn.");
            } else {
                linear(b + "attn_q.weight", h + "self_attn.q_proj.weight", 2 * HEADS * HEAD_DIM, HIDDEN);
                linear(b + "attn_k.weight", h + "self_attn.k_proj.weight", KV_HEADS * HEAD_DIM, HIDDEN);
                linear(b + "attn_v.weight", h + "self_attn.v_proj.weight", KV_HEADS * HEAD_DIM, HIDDEN);
                linear(b + "attn_output.weight", h + "self_attn.o_proj.weight", HIDDEN, HEADS * HEAD_DIM);
                norm(b + "attn_q_norm.weight", h + "self_attn.q_norm.weight", HEAD_DIM);
                norm(b + "attn_k_norm.weight", h + "self_attn.k_norm.weight", HEAD_DIM);
            }
            if (moe()) {
                experts(b, h + "mlp.");
            } else {
                linear(b + "ffn_gate.weight", h + "mlp.gate_proj.weight", FFN, HIDDEN);
                linear(b + "ffn_up.weight", h + "mlp.up_proj.weight", FFN, HIDDEN);
                linear(b + "ffn_down.weight", h + "mlp.down_proj.weight", HIDDEN, FFN);
            }
        }
        // parts the text model does not use: the vision tower and the multi-token-prediction block
        hf.add("model.visual.patch_embed.proj.weight", "F32", new long[] {4, 4}, HfFixture.encode("F32", random(16, 1)));
        hf.add("mtp.fc.weight", "F32", new long[] {HIDDEN, 2 * HIDDEN}, HfFixture.encode("F32", random(2 * HIDDEN * HIDDEN, 1)));
        hf.write(hfDir, 2);
        writeConfig(hfDir);
        HfFixture.writeSmallTokenizer(hfDir.resolve("tokenizer.json"));
        Files.copy(HfFixture.QWEN3_TOKENIZER.resolve("tokenizer_config.json"), hfDir.resolve("tokenizer_config.json"));
        GgufVocabulary.write(gguf, Vocabulary.fromHuggingFace(hfDir, vocab));
        gguf.write(ggufFile);
    }

    private void linearAttention(String b, String h) {
        int r = VALUE_HEADS / KEY_HEADS;
        int keyDim = KEY_HEADS * LINEAR_DIM;
        int valueDim = VALUE_HEADS * LINEAR_DIM;
        int channels = 2 * keyDim + valueDim;
        if (next()) {
            // HF's in_proj_qkvz and in_proj_ba, grouped per key head, as the older converter kept them
            both(b + "ssm_in.weight", h + "in_proj_qkvz.weight", random((channels + valueDim) * HIDDEN, 1 / Math.sqrt(HIDDEN)),
                    channels + valueDim, HIDDEN);
            both(b + "ssm_ba.weight", h + "in_proj_ba.weight", random(2 * VALUE_HEADS * HIDDEN, 1 / Math.sqrt(HIDDEN)),
                    2 * VALUE_HEADS, HIDDEN);
        } else {
            float[] qkv = random(channels * HIDDEN, 1 / Math.sqrt(HIDDEN));
            hf.add(h + "in_proj_qkv.weight", "F32", new long[] {channels, HIDDEN}, HfFixture.encode("F32", qkv));
            // only the value rows move: q and k keep their places
            float[] tiledQkv = qkv.clone();
            System.arraycopy(tiledRows(slice(qkv, 2 * keyDim * HIDDEN, valueDim * HIDDEN), LINEAR_DIM * HIDDEN), 0,
                    tiledQkv, 2 * keyDim * HIDDEN, valueDim * HIDDEN);
            gguf(b + "attn_qkv.weight", tiledQkv, channels, HIDDEN);
            grouped(b + "attn_gate.weight", h + "in_proj_z.weight", random(valueDim * HIDDEN, 1 / Math.sqrt(HIDDEN)),
                    LINEAR_DIM * HIDDEN, valueDim, HIDDEN);
            grouped(b + "ssm_beta.weight", h + "in_proj_b.weight", random(VALUE_HEADS * HIDDEN, 1 / Math.sqrt(HIDDEN)),
                    HIDDEN, VALUE_HEADS, HIDDEN);
            grouped(b + "ssm_alpha.weight", h + "in_proj_a.weight", random(VALUE_HEADS * HIDDEN, 1 / Math.sqrt(HIDDEN)),
                    HIDDEN, VALUE_HEADS, HIDDEN);
        }
        float[] conv = random(channels * TAPS, 0.5);
        hf.add(h + "conv1d.weight", "F32", new long[] {channels, 1, TAPS}, HfFixture.encode("F32", conv));
        float[] convGguf = conv.clone();
        if (!next()) {
            System.arraycopy(tiledRows(slice(conv, 2 * keyDim * TAPS, valueDim * TAPS), LINEAR_DIM * TAPS), 0, convGguf,
                    2 * keyDim * TAPS, valueDim * TAPS);
        }
        gguf(b + "ssm_conv1d.weight", convGguf, channels, TAPS);
        float[] dt = random(VALUE_HEADS, 0.5);
        float[] aLog = random(VALUE_HEADS, 0.5);
        hf.add(h + "dt_bias", "F32", new long[] {VALUE_HEADS}, HfFixture.encode("F32", dt));
        hf.add(h + "A_log", "F32", new long[] {VALUE_HEADS}, HfFixture.encode("F32", aLog));
        float[] a = new float[VALUE_HEADS];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) -Math.exp(aLog[i]);
        }
        gguf(b + "ssm_dt.bias", next() ? dt : tiledRows(dt, 1), VALUE_HEADS);
        gguf(b + "ssm_a", next() ? a : tiledRows(a, 1), VALUE_HEADS);
        float[] gatedNorm = random(LINEAR_DIM, 0.2);
        for (int i = 0; i < gatedNorm.length; i++) {
            gatedNorm[i] += 1; // Qwen3_5RMSNormGated multiplies by the weight itself: no + 1 in GGUF
        }
        both(b + "ssm_norm.weight", h + "norm.weight", gatedNorm, LINEAR_DIM);
        float[] out = random(HIDDEN * valueDim, 1 / Math.sqrt(valueDim));
        hf.add(h + "out_proj.weight", "F32", new long[] {HIDDEN, valueDim}, HfFixture.encode("F32", out));
        float[] outGguf = out.clone();
        if (!next()) {
            for (int row = 0; row < HIDDEN; row++) {
                System.arraycopy(tiledRows(slice(out, row * valueDim, valueDim), LINEAR_DIM), 0, outGguf, row * valueDim, valueDim);
            }
        }
        gguf(b + "ssm_out.weight", outGguf, HIDDEN, valueDim);
    }

    /** Routed experts (Qwen3.5-MoE: fused 3-D tensors; Qwen3-Next: one 2-D tensor per expert) and the shared expert. */
    private void experts(String b, String h) {
        linear(b + "ffn_gate_inp.weight", h + "gate.weight", EXPERTS, HIDDEN);
        float[] gate = random(EXPERTS * MOE_FFN * HIDDEN, 1 / Math.sqrt(HIDDEN));
        float[] up = random(EXPERTS * MOE_FFN * HIDDEN, 1 / Math.sqrt(HIDDEN));
        float[] down = random(EXPERTS * HIDDEN * MOE_FFN, 1 / Math.sqrt(MOE_FFN));
        int matrix = MOE_FFN * HIDDEN;
        if (next()) {
            for (int e = 0; e < EXPERTS; e++) {
                String x = h + "experts." + e + ".";
                hf.add(x + "gate_proj.weight", "F32", new long[] {MOE_FFN, HIDDEN}, HfFixture.encode("F32", slice(gate, e * matrix, matrix)));
                hf.add(x + "up_proj.weight", "F32", new long[] {MOE_FFN, HIDDEN}, HfFixture.encode("F32", slice(up, e * matrix, matrix)));
                hf.add(x + "down_proj.weight", "F32", new long[] {HIDDEN, MOE_FFN}, HfFixture.encode("F32", slice(down, e * matrix, matrix)));
            }
        } else {
            float[] gateUp = new float[2 * gate.length];
            for (int e = 0; e < EXPERTS; e++) {
                System.arraycopy(gate, e * matrix, gateUp, 2 * e * matrix, matrix);
                System.arraycopy(up, e * matrix, gateUp, (2 * e + 1) * matrix, matrix);
            }
            hf.add(h + "experts.gate_up_proj", "F32", new long[] {EXPERTS, 2 * MOE_FFN, HIDDEN}, HfFixture.encode("F32", gateUp));
            hf.add(h + "experts.down_proj", "F32", new long[] {EXPERTS, HIDDEN, MOE_FFN}, HfFixture.encode("F32", down));
        }
        gguf.addTensor(b + "ffn_gate_exps.weight", TensorType.F32, new long[] {HIDDEN, MOE_FFN, EXPERTS}, MemorySegment.ofArray(gate));
        gguf.addTensor(b + "ffn_up_exps.weight", TensorType.F32, new long[] {HIDDEN, MOE_FFN, EXPERTS}, MemorySegment.ofArray(up));
        gguf.addTensor(b + "ffn_down_exps.weight", TensorType.F32, new long[] {MOE_FFN, HIDDEN, EXPERTS}, MemorySegment.ofArray(down));
        linear(b + "ffn_gate_inp_shexp.weight", h + "shared_expert_gate.weight", 1, HIDDEN);
        linear(b + "ffn_gate_shexp.weight", h + "shared_expert.gate_proj.weight", SHARED_FFN, HIDDEN);
        linear(b + "ffn_up_shexp.weight", h + "shared_expert.up_proj.weight", SHARED_FFN, HIDDEN);
        linear(b + "ffn_down_shexp.weight", h + "shared_expert.down_proj.weight", HIDDEN, SHARED_FFN);
    }

    /** ggml's tiled head order from HF's grouped one: item (key head g, j) moves from g*r + j to j*keyHeads + g. */
    private static float[] tiledRows(float[] grouped, int rowSize) {
        int r = VALUE_HEADS / KEY_HEADS;
        float[] tiled = new float[grouped.length];
        for (int g = 0; g < KEY_HEADS; g++) {
            for (int j = 0; j < r; j++) {
                System.arraycopy(grouped, (g * r + j) * rowSize, tiled, (j * KEY_HEADS + g) * rowSize, rowSize);
            }
        }
        return tiled;
    }

    private void grouped(String ggufName, String hfName, float[] values, int rowSize, long... hfShape) {
        hf.add(hfName, "F32", hfShape, HfFixture.encode("F32", values));
        gguf(ggufName, tiledRows(values, rowSize), hfShape);
    }

    private void linear(String ggufName, String hfName, int rows, int cols) {
        both(ggufName, hfName, random(rows * cols, 1 / Math.sqrt(cols)), rows, cols);
    }

    /** A norm: HF's weight w, GGUF's 1 + w (Qwen3_5RMSNorm / Qwen3NextRMSNorm compute x * (1 + w)). */
    private void norm(String ggufName, String hfName, int n) {
        float[] w = random(n, 0.2);
        hf.add(hfName, "F32", new long[] {n}, HfFixture.encode("F32", w));
        float[] plusOne = new float[n];
        for (int i = 0; i < n; i++) {
            plusOne[i] = 1 + w[i];
        }
        gguf(ggufName, plusOne, n);
    }

    private void both(String ggufName, String hfName, float[] values, long... hfShape) {
        hf.add(hfName, "F32", hfShape, HfFixture.encode("F32", values));
        gguf(ggufName, values, hfShape);
    }

    /** A GGUF tensor from HF-ordered dimensions (GGUF lists them reversed). */
    private void gguf(String name, float[] values, long... hfShape) {
        long[] ne = new long[hfShape.length];
        for (int i = 0; i < ne.length; i++) {
            ne[i] = hfShape[hfShape.length - 1 - i];
        }
        gguf.addTensor(name, TensorType.F32, ne, MemorySegment.ofArray(values.clone()));
    }

    private float[] random(int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * Math.sqrt(3) * std);
        }
        return v;
    }

    private static float[] slice(float[] v, int from, int n) {
        return java.util.Arrays.copyOfRange(v, from, from + n);
    }

    private void metadata() {
        String a = arch();
        gguf.putString("general.architecture", a);
        gguf.putUInt32(a + ".block_count", LAYERS);
        gguf.putUInt32(a + ".context_length", 256);
        gguf.putUInt32(a + ".embedding_length", HIDDEN);
        gguf.putUInt32(a + ".feed_forward_length", moe() ? SHARED_FFN : FFN);
        gguf.putUInt32(a + ".attention.head_count", HEADS);
        gguf.putUInt32(a + ".attention.head_count_kv", KV_HEADS);
        gguf.putUInt32(a + ".attention.key_length", HEAD_DIM);
        gguf.putUInt32(a + ".attention.value_length", HEAD_DIM);
        gguf.putFloat32(a + ".rope.freq_base", 10_000_000f);
        gguf.putUInt32(a + ".rope.dimension_count", HEAD_DIM / 2);
        gguf.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        gguf.putUInt32(a + ".ssm.conv_kernel", TAPS);
        gguf.putUInt32(a + ".ssm.state_size", LINEAR_DIM);
        gguf.putUInt32(a + ".ssm.group_count", KEY_HEADS);
        gguf.putUInt32(a + ".ssm.time_step_rank", VALUE_HEADS);
        gguf.putUInt32(a + ".ssm.inner_size", VALUE_HEADS * LINEAR_DIM);
        gguf.putUInt32(a + ".full_attention_interval", 2);
        if (moe()) {
            gguf.putUInt32(a + ".expert_count", EXPERTS);
            gguf.putUInt32(a + ".expert_used_count", EXPERTS_USED);
            gguf.putUInt32(a + ".expert_feed_forward_length", MOE_FFN);
            gguf.putUInt32(a + ".expert_shared_feed_forward_length", SHARED_FFN);
        }
        if (!next()) {
            gguf.put(a + ".rope.dimension_sections", GgufValue.ofInt32s(2, 1, 1, 0));
        }
    }

    private void writeConfig(Path dir) throws IOException {
        String text = "\"hidden_size\":" + HIDDEN + ",\"num_hidden_layers\":" + LAYERS + ",\"num_attention_heads\":" + HEADS
                + ",\"num_key_value_heads\":" + KV_HEADS + ",\"head_dim\":" + HEAD_DIM + ",\"vocab_size\":" + HfFixture.SMALL_VOCAB
                + ",\"rms_norm_eps\":1e-06,\"max_position_embeddings\":256,\"tie_word_embeddings\":false"
                + ",\"layer_types\":[\"linear_attention\",\"full_attention\",\"linear_attention\",\"full_attention\"]"
                + ",\"full_attention_interval\":2,\"linear_conv_kernel_dim\":" + TAPS + ",\"linear_key_head_dim\":" + LINEAR_DIM
                + ",\"linear_value_head_dim\":" + LINEAR_DIM + ",\"linear_num_key_heads\":" + KEY_HEADS
                + ",\"linear_num_value_heads\":" + VALUE_HEADS
                + (moe() ? ",\"num_experts\":" + EXPERTS + ",\"num_experts_per_tok\":" + EXPERTS_USED + ",\"moe_intermediate_size\":"
                        + MOE_FFN + ",\"shared_expert_intermediate_size\":" + SHARED_FFN + ",\"norm_topk_prob\":true"
                        : ",\"intermediate_size\":" + FFN);
        String config = next()
                ? "{\"model_type\":\"qwen3_next\"," + text + ",\"rope_theta\":10000000,\"partial_rotary_factor\":0.5}"
                : "{\"model_type\":\"" + modelType + "\",\"tie_word_embeddings\":false,\"text_config\":{\"model_type\":\""
                        + modelType + "_text\"," + text + ",\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":10000000,"
                        + "\"partial_rotary_factor\":0.5,\"mrope_section\":[2,1,1],\"mrope_interleaved\":true}},"
                        + "\"vision_config\":{\"depth\":1}}";
        Files.writeString(dir.resolve("config.json"), config);
    }
}
