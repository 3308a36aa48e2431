package io.qwen4j.loader.hf;

import io.qwen4j.safetensors.SafetensorsCheckpoint;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * THE table from HF (transformers) tensor names to the GGUF names llama.cpp's converter gives them, for
 * Qwen2/2.5, Qwen2-MoE, Qwen3, Qwen3-MoE and the hybrids' linear attention (Qwen3.5, Qwen3-Next). {@code {L}} stands for the layer, {@code {E}} for the expert. HF keeps each
 * expert's projections as separate 2-D tensors; GGUF stacks them into one 3-D tensor per projection
 * ({@code ffn_gate_exps}, ne = [in, out, experts]), so those entries map one GGUF name to many HF names.
 *
 * <p>To support another tensor: add one line here.
 */
public final class HfTensorNames {

    /** One row of the table. */
    public record Entry(String gguf, String hf) {
        public boolean isStackedExperts() {
            return hf.contains("{E}");
        }
    }

    /** The prefix the causal-LM classes put before the base model's tensors (the table's names carry it). */
    static final String BASE_MODEL_PREFIX = "model.";
    static final String LM_HEAD = "lm_head.weight";
    /** A {@code *ForSequenceClassification} checkpoint's head: one row per label over the last token's state. */
    static final String SCORE = "score.weight";

    public static final List<Entry> TABLE = List.of(
            new Entry("token_embd.weight", "model.embed_tokens.weight"),
            new Entry("output_norm.weight", "model.norm.weight"),
            new Entry("output.weight", LM_HEAD),
            new Entry("cls.output.weight", SCORE),
            new Entry("blk.{L}.attn_norm.weight", "model.layers.{L}.input_layernorm.weight"),
            new Entry("blk.{L}.attn_q.weight", "model.layers.{L}.self_attn.q_proj.weight"),
            new Entry("blk.{L}.attn_q.bias", "model.layers.{L}.self_attn.q_proj.bias"),
            new Entry("blk.{L}.attn_k.weight", "model.layers.{L}.self_attn.k_proj.weight"),
            new Entry("blk.{L}.attn_k.bias", "model.layers.{L}.self_attn.k_proj.bias"),
            new Entry("blk.{L}.attn_v.weight", "model.layers.{L}.self_attn.v_proj.weight"),
            new Entry("blk.{L}.attn_v.bias", "model.layers.{L}.self_attn.v_proj.bias"),
            new Entry("blk.{L}.attn_output.weight", "model.layers.{L}.self_attn.o_proj.weight"),
            new Entry("blk.{L}.attn_q_norm.weight", "model.layers.{L}.self_attn.q_norm.weight"),
            new Entry("blk.{L}.attn_k_norm.weight", "model.layers.{L}.self_attn.k_norm.weight"),
            new Entry("blk.{L}.ffn_norm.weight", "model.layers.{L}.post_attention_layernorm.weight"),
            new Entry("blk.{L}.ffn_gate.weight", "model.layers.{L}.mlp.gate_proj.weight"),
            new Entry("blk.{L}.ffn_up.weight", "model.layers.{L}.mlp.up_proj.weight"),
            new Entry("blk.{L}.ffn_down.weight", "model.layers.{L}.mlp.down_proj.weight"),
            new Entry("blk.{L}.ffn_gate_inp.weight", "model.layers.{L}.mlp.gate.weight"),
            new Entry("blk.{L}.ffn_gate_exps.weight", "model.layers.{L}.mlp.experts.{E}.gate_proj.weight"),
            new Entry("blk.{L}.ffn_up_exps.weight", "model.layers.{L}.mlp.experts.{E}.up_proj.weight"),
            new Entry("blk.{L}.ffn_down_exps.weight", "model.layers.{L}.mlp.experts.{E}.down_proj.weight"),
            new Entry("blk.{L}.ffn_gate_inp_shexp.weight", "model.layers.{L}.mlp.shared_expert_gate.weight"),
            new Entry("blk.{L}.ffn_gate_shexp.weight", "model.layers.{L}.mlp.shared_expert.gate_proj.weight"),
            new Entry("blk.{L}.ffn_up_shexp.weight", "model.layers.{L}.mlp.shared_expert.up_proj.weight"),
            new Entry("blk.{L}.ffn_down_shexp.weight", "model.layers.{L}.mlp.shared_expert.down_proj.weight"),
            new Entry("blk.{L}.attn_qkv.weight", "model.layers.{L}.linear_attn.in_proj_qkv.weight"),
            new Entry("blk.{L}.attn_gate.weight", "model.layers.{L}.linear_attn.in_proj_z.weight"),
            new Entry("blk.{L}.ssm_beta.weight", "model.layers.{L}.linear_attn.in_proj_b.weight"),
            new Entry("blk.{L}.ssm_alpha.weight", "model.layers.{L}.linear_attn.in_proj_a.weight"),
            new Entry("blk.{L}.ssm_in.weight", "model.layers.{L}.linear_attn.in_proj_qkvz.weight"),
            new Entry("blk.{L}.ssm_ba.weight", "model.layers.{L}.linear_attn.in_proj_ba.weight"),
            new Entry("blk.{L}.ssm_conv1d.weight", "model.layers.{L}.linear_attn.conv1d.weight"),
            new Entry("blk.{L}.ssm_dt.bias", "model.layers.{L}.linear_attn.dt_bias"),
            new Entry("blk.{L}.ssm_a", "model.layers.{L}.linear_attn.A_log"),
            new Entry("blk.{L}.ssm_norm.weight", "model.layers.{L}.linear_attn.norm.weight"),
            new Entry("blk.{L}.ssm_out.weight", "model.layers.{L}.linear_attn.out_proj.weight"));

    /**
     * Newer checkpoints (Qwen3.5-MoE) keep each layer's experts fused in two 3-D tensors: gate and up stacked per expert
     * as [experts, 2 * ffn, hidden], down as [experts, hidden, ffn]. Given a GGUF expert tensor's name, its fused HF
     * name and which half of each expert's rows it takes (0 gate or the whole, 1 up).
     */
    public record Fused(String hf, int half, int halves) {
    }

    private static final Pattern FUSED_GGUF = Pattern.compile("blk\\.(?<L>\\d+)\\.ffn_(?<P>gate|up|down)_exps\\.weight");
    private static final Pattern FUSED_HF = Pattern.compile("model\\.layers\\.(?<L>\\d+)\\.mlp\\.experts\\.(?<P>gate_up|down)_proj");

    public static Optional<Fused> fused(String ggufName) {
        Matcher m = FUSED_GGUF.matcher(ggufName);
        if (!m.matches()) {
            return Optional.empty();
        }
        String base = "model.layers." + m.group("L") + ".mlp.experts.";
        return Optional.of(switch (m.group("P")) {
            case "gate" -> new Fused(base + "gate_up_proj", 0, 2);
            case "up" -> new Fused(base + "gate_up_proj", 1, 2);
            default -> new Fused(base + "down_proj", 0, 1);
        });
    }

    /** The GGUF names a fused HF expert tensor gives (gate and up, or down), or none. */
    public static List<String> fromFused(String hfName) {
        Matcher m = FUSED_HF.matcher(hfName);
        if (!m.matches()) {
            return List.of();
        }
        String b = "blk." + m.group("L") + ".";
        return m.group("P").equals("down") ? List.of(b + "ffn_down_exps.weight")
                : List.of(b + "ffn_gate_exps.weight", b + "ffn_up_exps.weight");
    }

    /** Parts of a vision-language or MTP-carrying checkpoint that the text model does not use. */
    public static boolean isUnusedPart(String hfName) {
        return hfName.startsWith("model.visual.") || hfName.startsWith("mtp.") || hfName.startsWith("model.mtp.");
    }

    /** Where Qwen3.5's vision-language checkpoints keep the text model. */
    static final String LANGUAGE_MODEL_PREFIX = "model.language_model.";

    /**
     * {@code checkpoint} under the table's names. A checkpoint saved from the base model class ({@code AutoModel}:
     * Qwen3-Embedding, gte-Qwen2) names its tensors without the {@code model.} prefix that the causal-LM class
     * adds ({@code embed_tokens.weight}, {@code layers.0...}); such a one is seen with it (llama.cpp's converter maps
     * both spellings too). A vision-language checkpoint's text model ({@code model.language_model.}) is seen as
     * {@code model.}. A checkpoint with any prefixed name is taken as it is.
     */
    public static SafetensorsCheckpoint canonical(SafetensorsCheckpoint checkpoint) {
        if (checkpoint.tensors().keySet().stream().anyMatch(n -> n.startsWith(LANGUAGE_MODEL_PREFIX))) {
            return checkpoint.renamed(n -> n.startsWith(LANGUAGE_MODEL_PREFIX)
                    ? BASE_MODEL_PREFIX + n.substring(LANGUAGE_MODEL_PREFIX.length()) : n);
        }
        boolean bare = checkpoint.tensors().keySet().stream().noneMatch(n -> n.startsWith(BASE_MODEL_PREFIX));
        return bare ? checkpoint.renamed(n -> n.equals(LM_HEAD) || n.equals(SCORE) ? n : BASE_MODEL_PREFIX + n) : checkpoint;
    }

    /** FP8 checkpoints store each quantized weight's block scales beside it under this suffix. */
    public static final String FP8_SCALE_SUFFIX = "_scale_inv";

    private static final List<Compiled> COMPILED = TABLE.stream().map(Compiled::new).toList();

    /** A GGUF name resolved to HF: {@code hf} still contains {@code {E}} for stacked experts. */
    public record Mapping(String gguf, String hf, boolean stackedExperts) {
        public String expert(int e) {
            return hf.replace("{E}", Integer.toString(e));
        }
    }

    /** An HF name resolved to GGUF; {@code expert} is -1 unless it is one expert of a stacked tensor. */
    public record Reverse(String gguf, int expert) {
    }

    private HfTensorNames() {
    }

    public static Optional<Mapping> toHf(String ggufName) {
        for (Compiled c : COMPILED) {
            Matcher m = c.gguf.matcher(ggufName);
            if (m.matches()) {
                String hf = c.entry.hf();
                if (c.entry.gguf().contains("{L}")) {
                    hf = hf.replace("{L}", m.group("L"));
                }
                return Optional.of(new Mapping(ggufName, hf, c.entry.isStackedExperts()));
            }
        }
        return Optional.empty();
    }

    public static Optional<Reverse> toGguf(String hfName) {
        for (Compiled c : COMPILED) {
            Matcher m = c.hf.matcher(hfName);
            if (m.matches()) {
                String gguf = c.entry.gguf();
                if (gguf.contains("{L}")) {
                    gguf = gguf.replace("{L}", m.group("L"));
                }
                int expert = c.entry.isStackedExperts() ? Integer.parseInt(m.group("E")) : -1;
                return Optional.of(new Reverse(gguf, expert));
            }
        }
        return Optional.empty();
    }

    private record Compiled(Entry entry, Pattern gguf, Pattern hf) {
        Compiled(Entry entry) {
            this(entry, pattern(entry.gguf()), pattern(entry.hf()));
        }

        private static Pattern pattern(String template) {
            String regex = Pattern.quote(template)
                    .replace("{L}", "\\E(?<L>\\d+)\\Q")
                    .replace("{E}", "\\E(?<E>\\d+)\\Q");
            return Pattern.compile(regex);
        }
    }
}
