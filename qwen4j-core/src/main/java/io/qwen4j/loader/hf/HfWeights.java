package io.qwen4j.loader.hf;

import io.qwen4j.InvalidInputException;
import io.qwen4j.model.WeightSource;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.safetensors.SafetensorsCheckpoint;
import io.qwen4j.safetensors.SafetensorsTensor;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An HF safetensors checkpoint seen under GGUF names ({@link HfTensorNames}), as the engine asks for them.
 *
 * <ul>
 *   <li>F32 / F16 / BF16 tensors are zero-copy views: HF stores a Linear weight [out, in] row-major, which
 *       is exactly GGUF's ne = {in, out}; only the shape is reversed.</li>
 *   <li>MoE experts are copied at load into one 3-D tensor per projection. The engine's expert kernel
 *       indexes one contiguous [in, out, experts] tensor (the GGUF layout), and keeping the model package
 *       format-agnostic is worth one copy of the expert bytes at load (the mapped source pages stay clean
 *       and can be dropped by the OS).</li>
 *   <li>FP8 weights are dequantized at load to {@code fp8Target} (F16 by default, F32 for a tensor whose
 *       scales could overflow F16; see {@link Fp8Weights}).</li>
 * </ul>
 * Converted tensors live in an arena owned by this object; {@link #close()} frees them and unmaps the files.
 */
public final class HfWeights implements WeightSource, AutoCloseable {

    /** What FP8 weights become at load when nobody says otherwise. */
    public static final TensorType DEFAULT_FP8_TARGET = TensorType.F16;

    private final SafetensorsCheckpoint checkpoint;
    private final HfConfig config;
    private final TensorType fp8Target;
    /** Whether the post-attention norm goes by the hybrids' GGUF name ({@link #toHf}). */
    private final boolean hybridNorm;
    /** Holds the tensors converted for the engine ({@link #find}) until {@link #close()}. */
    private final Arena arena = Arena.ofShared();
    private final Map<String, Optional<Tensor>> cache = new ConcurrentHashMap<>();

    public HfWeights(SafetensorsCheckpoint checkpoint, HfConfig config, TensorType fp8Target) {
        this.checkpoint = checkpoint;
        this.config = config;
        this.fp8Target = fp8Target;
        this.hybridNorm = config.model().isHybrid();
    }

    public HfConfig config() {
        return config;
    }

    @Override
    public Optional<Tensor> find(String name) {
        Optional<Tensor> cached = cache.get(name);
        if (cached == null) {
            cached = resolve(name);
            cache.put(name, cached);
        }
        return cached;
    }

    /** As the default, but a missing tensor is named by its HF name too. */
    @Override
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new InvalidInputException("model has no tensor '" + name + "' ("
                + toHf(name).map(m -> m.hf()).orElse("no HF name") + " in the safetensors files)"));
    }

    /** Shape errors name the safetensors file and HF tensor besides the GGUF name. */
    @Override
    public Tensor tensor(String name, long... expectedShape) {
        Tensor t = tensor(name);
        try {
            return WeightSource.checkShape(t, expectedShape);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(describe(name) + " does not match config.json: " + e.getMessage());
        }
    }

    /** The GGUF names of every tensor the checkpoint holds, in GGUF order (globals, then by layer). */
    public List<String> ggufNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String hf : checkpoint.tensors().keySet()) {
            if (hf.endsWith(HfTensorNames.FP8_SCALE_SUFFIX) || HfTensorNames.isUnusedPart(hf)) {
                continue;
            }
            List<String> fused = HfTensorNames.fromFused(hf);
            if (!fused.isEmpty()) {
                names.addAll(fused);
                continue;
            }
            var reverse = HfTensorNames.toGguf(hf).orElseThrow(() -> new InvalidInputException(
                    "unknown tensor '" + hf + "' in " + checkpoint.tensors().get(hf).file().getFileName()
                            + " (not in qwen4j's HF name table)"));
            if (reverse.gguf().equals("output.weight") && config.model().tieWordEmbeddings()) {
                continue;
            }
            names.add(hybridNorm ? reverse.gguf().replace(".ffn_norm.", ".post_attention_norm.") : reverse.gguf());
        }
        var sorted = new ArrayList<>(names);
        sorted.sort(Comparator.comparingInt(HfWeights::layerOf));
        return sorted;
    }

    private static int layerOf(String gguf) {
        if (!gguf.startsWith("blk.")) {
            return gguf.equals("token_embd.weight") ? -2 : -1;
        }
        return Integer.parseInt(gguf.substring(4, gguf.indexOf('.', 4)));
    }

    /**
     * {@link HfTensorNames#toHf} for this model: the hybrids (Qwen3.5, Qwen3-Next) call HF's post_attention_layernorm
     * {@code post_attention_norm} in GGUF, where the table, as the other architectures, has {@code ffn_norm}.
     */
    private Optional<HfTensorNames.Mapping> toHf(String gguf) {
        return HfTensorNames.toHf(hybridNorm ? gguf.replace(".post_attention_norm.", ".ffn_norm.") : gguf);
    }

    /** Bytes of all tensors handed out so far (what a forward pass reads). */
    public long resolvedBytes() {
        return cache.values().stream().flatMap(Optional::stream).mapToLong(t -> t.data().byteSize()).sum();
    }

    /**
     * Lends tensor {@code name} to {@code use} without keeping it: converted bytes (FP8, stacked experts) live
     * only during the call. Conversion goes tensor by tensor this way, so its memory stays one tensor deep.
     */
    public void lend(String name, java.util.function.Consumer<Tensor> use) {
        try (Arena scratch = Arena.ofShared()) {
            use.accept(resolve(name, scratch).orElseThrow(() -> new InvalidInputException("model has no tensor '" + name + "'")));
        }
    }

    /** The GGUF shape (ne order) of tensor {@code name}, without reading or converting its data. */
    public long[] ggufShape(String name) {
        var fused = HfTensorNames.fused(name).filter(f -> checkpoint.find(f.hf()).isPresent());
        if (fused.isPresent()) {
            long[] s = reversed(checkpoint.find(fused.get().hf()).orElseThrow().shape(), null);
            return new long[] {s[0], s[1] / fused.get().halves(), s[2]};
        }
        var mapping = toHf(name).orElseThrow(() -> new InvalidInputException("no HF name for '" + name + "'"));
        String hf = mapping.stackedExperts() ? mapping.expert(0) : mapping.hf();
        SafetensorsTensor t = checkpoint.find(hf).orElseThrow(() -> new InvalidInputException("model has no tensor '" + hf + "'"));
        long[] shape = reversed(t.shape(), t);
        return mapping.stackedExperts() ? new long[] {shape[0], shape[1], config.model().numExperts()} : withoutInnerOnes(shape);
    }

    private Optional<Tensor> resolve(String name) {
        return resolve(name, arena);
    }

    private Optional<Tensor> resolve(String name, Arena arena) {
        if (name.equals("output.weight") && config.model().tieWordEmbeddings()) {
            return Optional.empty(); // HF ties lm_head to the embedding even when the file carries a copy
        }
        var mapping = toHf(name);
        if (mapping.isEmpty()) {
            return Optional.empty();
        }
        if (!mapping.get().stackedExperts()) {
            return checkpoint.find(mapping.get().hf()).map(t -> single(name, t, arena));
        }
        var fused = HfTensorNames.fused(name).flatMap(f -> checkpoint.find(f.hf()).map(t -> split(name, t, f, arena)));
        if (fused.isPresent()) {
            return fused;
        }
        return checkpoint.find(mapping.get().expert(0)).map(first -> stacked(name, mapping.get(), arena));
    }

    /**
     * One GGUF expert tensor from a fused 3-D HF one ({@link HfTensorNames.Fused}): down ([experts, hidden, ffn]) is
     * GGUF's [ffn, hidden, experts] as it is; gate and up are each expert's first or second half of rows, copied.
     */
    private Tensor split(String gguf, SafetensorsTensor t, HfTensorNames.Fused fused, Arena arena) {
        long[] shape = reversed(t.shape(), t);
        TensorType type = directType(t);
        if (shape.length != 3 || type == null) {
            throw new InvalidInputException(t.describe() + ": fused expert weights must be 3-D F32, F16 or BF16");
        }
        int experts = config.model().numExperts();
        if (shape[2] != experts) {
            throw new InvalidInputException(t.describe() + " holds " + shape[2] + " experts, config.json has num_experts = "
                    + experts);
        }
        long[] out = {shape[0], shape[1] / fused.halves(), experts};
        if (fused.halves() == 1) {
            return new Tensor(gguf, type, out, t.data());
        }
        long part = type.bytesFor(out[0] * out[1]);
        MemorySegment data = arena.allocate(part * experts, 64);
        for (int e = 0; e < experts; e++) {
            MemorySegment.copy(t.data(), (e * 2L + fused.half()) * part, data, e * part, part);
        }
        return new Tensor(gguf, type, out, data);
    }

    private Tensor single(String gguf, SafetensorsTensor t, Arena arena) {
        long[] shape = withoutInnerOnes(reversed(t.shape(), t));
        TensorType direct = directType(t);
        if (direct != null && config.model().isHybrid() && HfLinearAttention.transformed(gguf)) {
            // a norm's 1 + weight, -exp(A_log): small vectors, computed once into F32
            int n = Math.toIntExact(t.elementCount());
            float[] values = new float[n];
            QuantFormats.of(direct).dequantize(t.data(), 0, values, 0, n);
            MemorySegment out = arena.allocate(4L * n, 64);
            for (int i = 0; i < n; i++) {
                out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, HfLinearAttention.transform(gguf, values[i]));
            }
            return new Tensor(gguf, TensorType.F32, shape, out);
        }
        if (direct != null) {
            return new Tensor(gguf, direct, shape, t.data());
        }
        TensorType target = Fp8Weights.targetFor(fp8Target, List.of(scales(t)));
        MemorySegment out = arena.allocate(target.bytesFor(t.elementCount()), 64);
        Fp8Weights.convert(t, scales(t), fp8Blocks(t), target, out);
        return new Tensor(gguf, target, shape, out);
    }

    private Tensor stacked(String gguf, HfTensorNames.Mapping mapping, Arena arena) {
        int experts = config.model().numExperts();
        List<SafetensorsTensor> parts = new ArrayList<>(experts);
        for (int e = 0; e < experts; e++) {
            String hf = mapping.expert(e);
            SafetensorsTensor t = checkpoint.find(hf).orElseThrow(() -> new InvalidInputException(
                    "missing expert tensor '" + hf + "' (config.json has num_experts = " + experts + ")"));
            if (!parts.isEmpty() && (t.dtype() != parts.getFirst().dtype()
                    || !java.util.Arrays.equals(t.shape(), parts.getFirst().shape()))) {
                throw new InvalidInputException(t.describe() + " differs in dtype or shape from " + parts.getFirst().describe());
            }
            parts.add(t);
        }
        SafetensorsTensor first = parts.getFirst();
        long[] matrix = reversed(first.shape(), first);
        if (matrix.length != 2) {
            throw new InvalidInputException(first.describe() + ": expert weights must be 2-D");
        }
        TensorType direct = directType(first);
        TensorType type = direct != null ? direct
                : Fp8Weights.targetFor(fp8Target, parts.stream().map(this::scales).toList());
        long expertBytes = type.bytesFor(first.elementCount());
        MemorySegment out = arena.allocate(expertBytes * experts, 64);
        for (int e = 0; e < experts; e++) {
            MemorySegment slice = out.asSlice(e * expertBytes, expertBytes);
            SafetensorsTensor part = parts.get(e);
            if (direct != null) {
                slice.copyFrom(part.data());
            } else {
                Fp8Weights.convert(part, scales(part), fp8Blocks(part), type, slice);
            }
        }
        return new Tensor(gguf, type, new long[] {matrix[0], matrix[1], experts}, out);
    }

    /** The ggml type that reads this dtype's bytes as they are, or null for FP8 (converted). */
    private TensorType directType(SafetensorsTensor t) {
        return switch (t.dtype()) {
            case F32 -> TensorType.F32;
            case F16 -> TensorType.F16;
            case BF16 -> TensorType.BF16;
            case F8_E4M3 -> null;
            default -> throw new InvalidInputException(t.describe() + ": unsupported dtype " + t.dtype()
                    + " (supported: F32, F16, BF16, F8_E4M3 with quantization_config fp8)");
        };
    }

    private HfConfig.Fp8Blocks fp8Blocks(SafetensorsTensor t) {
        return config.fp8().orElseThrow(() -> new InvalidInputException(t.describe()
                + " is FP8 but " + config.file() + " declares no quantization_config (quant_method fp8)"));
    }

    private SafetensorsTensor scales(SafetensorsTensor t) {
        String name = t.name() + HfTensorNames.FP8_SCALE_SUFFIX;
        return checkpoint.find(name).orElseThrow(() -> new InvalidInputException(t.describe()
                + " is FP8 but its block scales '" + name + "' are missing"));
    }

    /** A 3-D shape with a 1 between its ends as 2-D: HF's conv1d weight [channels, 1, taps] is GGUF's [taps, channels]. */
    private static long[] withoutInnerOnes(long[] shape) {
        return shape.length == 3 && shape[1] == 1 ? new long[] {shape[0], shape[2]} : shape;
    }

    private static long[] reversed(long[] shape, SafetensorsTensor t) {
        if (shape.length == 0 || shape.length > 3) {
            throw new InvalidInputException((t == null ? "a tensor" : t.describe()) + ": expected a 1-D or 2-D tensor");
        }
        long[] r = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            r[i] = shape[shape.length - 1 - i];
        }
        return r;
    }

    private String describe(String gguf) {
        return toHf(gguf)
                .flatMap(m -> checkpoint.find(m.stackedExperts() ? m.expert(0) : m.hf()))
                .map(SafetensorsTensor::describe)
                .orElse("tensor '" + gguf + "'");
    }

    @Override
    public void close() {
        arena.close();
        checkpoint.close();
    }
}
