package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.embed.Pooling;
import io.qwen4j.synth.SynthHead;
import io.qwen4j.synth.SynthPreset;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j synth}: writes a Qwen-shaped GGUF with random weights and the real tokenizer, for tests
 * and benchmarks (no real weights can be downloaded on these machines). A preset gives real shapes;
 * every flag overrides it.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a synthetic Qwen model (real shapes and tokenizer, random weights) as GGUF.")
public final class SynthCommand implements Callable<Integer> {

    @Option(names = "--arch", description = "qwen2, qwen2moe, qwen3, qwen3moe, qwen35 (hybrid linear attention; qwen3-0.6b's "
            + "shapes unless given), qwen35moe or qwen3next (hybrid MoE) (default: the preset's).")
    String architecture;

    @Option(names = "--preset", description = "qwen3-0.6b, qwen3-1.7b, qwen3-4b, qwen3-8b, qwen3-30b-a3b, qwen2.5-0.5b, "
            + "qwen2.5-1.5b, qwen1.5-moe-a2.7b, qwen3.5-35b-a3b, qwen3-next-80b-a3b (default: the smallest of --arch).")
    String preset;

    @Option(names = "--layers") Integer layers;
    @Option(names = "--dim") Integer dim;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--kv-heads") Integer kvHeads;
    @Option(names = "--head-dim") Integer headDim;
    @Option(names = "--ffn", description = "The MLP's hidden size; qwen2moe/qwen35moe/qwen3next: the shared expert's.") Integer ffn;
    @Option(names = "--experts") Integer experts;
    @Option(names = "--experts-used") Integer expertsUsed;
    @Option(names = "--moe-ffn") Integer moeFfn;
    @Option(names = "--vocab", description = "Embedding rows, >= the tokenizer's size (default 151936).") Integer vocab;
    @Option(names = "--context") Integer context;

    @Option(names = "--linear-key-heads", description = "Hybrids: linear attention key heads (default: --heads).") Integer linearKeyHeads;
    @Option(names = "--linear-value-heads", description = "Hybrids: linear attention value heads, a multiple of the key heads (default: the key heads).") Integer linearValueHeads;
    @Option(names = "--linear-head-dim", description = "Hybrids: linear attention head size (default 128).") Integer linearHeadDim;
    @Option(names = "--full-attention-interval", description = "Hybrids: every N-th layer is full attention (default 4).") Integer fullAttentionInterval;
    @Option(names = "--rotary-dim", description = "Hybrids: leading dimensions of a head that RoPE rotates (default: a quarter).") Integer rotaryDim;
    @Option(names = "--mtp-layers", description = "Hybrids: multi-token-prediction blocks stored after the layers, as the converter writes them (default 0).") Integer mtpLayers;
    @Option(names = "--interleaved-ssm-in", description = "qwen3next: the older single ssm_in projection instead of attn_qkv + attn_gate.") boolean interleavedSsmIn;

    @Option(names = "--type", description = "Type of every matrix: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, "
            + "iq4_nl, iq4_xs, mxfp4, or (random blocks: qwen4j reads these but has no quantizer for them) iq1_s, iq1_m, iq2_xxs, "
            + "iq2_xs, iq2_s, iq3_xxs, iq3_s (default f16).")
    String type = "f16";

    @Option(names = "--embd-type", description = "Type of token_embd and output (default: --type).")
    String embeddingType;

    @Option(names = "--fallback", description = "Use llama.cpp's fallback type for rows a block does not divide.")
    boolean fallback;

    @Option(names = "--tie-embeddings", negatable = true, description = "Share token_embd as the output matrix (default: the preset's).")
    Boolean tieEmbeddings;

    @Option(names = "--rope-scaling", description = "yarn") String ropeScaling;
    @Option(names = "--rope-factor") Float ropeFactor;
    @Option(names = "--rope-orig-ctx") Integer ropeOriginalContext;

    @Option(names = "--pooling", paramLabel = "P",
            description = "Record an embedder's pooling (none, mean, cls, last, rank) as {arch}.pooling_type.")
    String pooling;

    @Option(names = "--classifier-labels", paramLabel = "L,L", split = ",",
            description = "Add a classifier head (cls.output.weight, F32) with these labels, e.g. yes,no as Qwen3-Reranker's.")
    List<String> classifierLabels;

    @Option(names = "--tokenizer", description = "HF tokenizer folder (default ../shared/qwen/qwen3).")
    Path tokenizer;

    @Option(names = "--seed", required = true) long seed;

    @Option(names = "--out", required = true) Path out;

    @Override
    public Integer call() throws Exception {
        SynthSpec spec = spec();
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new InvalidInputException("--out: no such directory " + parent);
        }
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        SyntheticModelWriter.write(spec, head(), partial);
        Files.move(partial, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.err.println("wrote " + out + " (" + Files.size(out) + " bytes)");
        return 0;
    }

    SynthSpec spec() {
        SynthPreset base = preset != null ? SynthPreset.byName(preset) : defaultPreset(architecture);
        String arch = architecture != null ? architecture : base.architecture;
        TensorType matrixType = type(type, "--type");
        SynthSpec.Yarn yarn = null;
        if (ropeScaling != null) {
            if (!ropeScaling.equalsIgnoreCase("yarn")) {
                throw new InvalidInputException("--rope-scaling: only 'yarn' is supported, got '" + ropeScaling + "'");
            }
            if (ropeFactor == null || ropeOriginalContext == null) {
                throw new InvalidInputException("--rope-scaling yarn needs --rope-factor and --rope-orig-ctx");
            }
            yarn = new SynthSpec.Yarn(ropeFactor, ropeOriginalContext);
        }
        return new SynthSpec(arch,
                or(layers, base.layers), or(dim, base.hiddenSize), or(heads, base.heads), or(kvHeads, base.kvHeads),
                or(headDim, base.headDim), or(ffn, base.ffn), or(experts, base.experts), or(expertsUsed, base.expertsUsed),
                or(moeFfn, base.moeFfn), or(vocab, 151_936), or(context, base.context),
                tieEmbeddings != null ? tieEmbeddings : base.tiedEmbeddings,
                matrixType, embeddingType != null ? type(embeddingType, "--embd-type") : matrixType,
                fallback, yarn,
                tokenizer != null ? tokenizer : RepoPaths.fromRoot("../shared/qwen/qwen3"), seed, linear(arch, base));
    }

    /** A hybrid's linear attention from the flags over Qwen3.5's proportions; null for the other architectures. */
    private SynthSpec.Linear linear(String arch, SynthPreset base) {
        boolean given = linearKeyHeads != null || linearValueHeads != null || linearHeadDim != null
                || fullAttentionInterval != null || rotaryDim != null || mtpLayers != null || interleavedSsmIn;
        if (!arch.equals("qwen35") && !arch.equals("qwen35moe") && !arch.equals("qwen3next")) {
            if (given) {
                throw new InvalidInputException("--linear-*, --full-attention-interval, --rotary-dim, --mtp-layers and "
                        + "--interleaved-ssm-in need a hybrid --arch (qwen35, qwen35moe, qwen3next)");
            }
            return null;
        }
        var d = SynthSpec.Linear.defaults(or(heads, base.heads), or(headDim, base.headDim));
        int keyHeads = or(linearKeyHeads, d.keyHeads());
        return new SynthSpec.Linear(keyHeads, or(linearValueHeads, keyHeads), or(linearHeadDim, d.headDim()), d.convKernel(),
                or(fullAttentionInterval, d.fullAttentionInterval()), or(rotaryDim, d.rotaryDim()), interleavedSsmIn,
                or(mtpLayers, 0));
    }

    SynthHead head() {
        return new SynthHead(Optional.ofNullable(pooling).map(Pooling::parse),
                classifierLabels == null ? List.of() : classifierLabels);
    }

    private static SynthPreset defaultPreset(String architecture) {
        if (architecture == null) {
            throw new InvalidInputException("give --arch or --preset");
        }
        return switch (architecture) {
            case "qwen2" -> SynthPreset.QWEN2_5_0_5B;
            case "qwen3", "qwen35" -> SynthPreset.QWEN3_0_6B;
            case "qwen3moe" -> SynthPreset.QWEN3_30B_A3B;
            case "qwen2moe" -> SynthPreset.QWEN1_5_MOE_A2_7B;
            case "qwen35moe" -> SynthPreset.QWEN3_5_35B_A3B;
            case "qwen3next" -> SynthPreset.QWEN3_NEXT_80B_A3B;
            default -> throw new InvalidInputException("unknown --arch '" + architecture + "' ("
                    + String.join(", ", SynthSpec.ARCHITECTURES) + ")");
        };
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }

    private static TensorType type(String name, String option) {
        TensorType t = TensorType.fromName(name)
                .orElseThrow(() -> new InvalidInputException(option + ": unknown type '" + name + "'"));
        if (!io.qwen4j.quant.RandomBlocks.writable(io.qwen4j.quant.QuantFormats.of(t))) {
            throw new InvalidInputException(option + ": qwen4j cannot write " + t + " tensors");
        }
        return t;
    }
}
