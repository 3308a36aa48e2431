package io.qwen4j.synth;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.GgufVocabulary;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * Writes a synthetic Qwen model as GGUF: llama.cpp's metadata keys and tensor names, the real
 * tokenizer and chat template, and deterministic random weights quantized with the reference quantizers.
 * To support a new architecture, extend {@link SynthPlan} and {@link #writeHyperparameters}.
 */
public final class SyntheticModelWriter {

    /** Weights are produced in chunks of about this many bytes, rows in parallel, then copied to the file. */
    private static final long CHUNK_BYTES = 32L << 20;

    private SyntheticModelWriter() {
    }

    public static void write(SynthSpec spec, Path out) throws IOException {
        Vocabulary vocabulary = Vocabulary.fromHuggingFace(spec.tokenizerDir(), spec.vocabSize());
        ChatTemplate template = ChatTemplate.fromHuggingFace(spec.tokenizerDir());
        var writer = new GgufWriter();
        writer.putString("general.architecture", spec.architecture());
        writer.putString("general.type", "model");
        writer.putString("general.name", "qwen4j synthetic " + spec.architecture() + " (random weights)");
        writer.putUInt32("general.file_type", LlamaFileType.of(spec.matrixType()));
        writer.putUInt32("general.quantization_version", 2);
        writeHyperparameters(writer, spec);
        GgufVocabulary.write(writer, vocabulary);
        writer.putString("tokenizer.chat_template", template.source());
        for (SynthPlan.PlannedTensor tensor : SynthPlan.plan(spec)) {
            writer.addTensor(tensor.name(), tensor.type(), tensor.shape(), target -> fill(spec.seed(), tensor, target));
        }
        writer.write(out);
    }

    private static void writeHyperparameters(GgufWriter writer, SynthSpec spec) {
        String arch = spec.architecture();
        writer.putUInt32(arch + ".block_count", spec.layers());
        writer.putUInt32(arch + ".context_length", spec.context());
        writer.putUInt32(arch + ".embedding_length", spec.hiddenSize());
        writer.putUInt32(arch + ".feed_forward_length", spec.ffn());
        writer.putUInt32(arch + ".attention.head_count", spec.heads());
        writer.putUInt32(arch + ".attention.head_count_kv", spec.kvHeads());
        writer.putFloat32(arch + ".rope.freq_base", SynthSpec.ROPE_THETA);
        writer.putFloat32(arch + ".attention.layer_norm_rms_epsilon", SynthSpec.RMS_NORM_EPS);
        // Qwen3's config names head_dim (128 even where dim/heads differs); Qwen2's converter omits it
        // because it always equals dim/heads there.
        if (!arch.equals("qwen2") || spec.headDim() != spec.hiddenSize() / spec.heads()) {
            writer.putUInt32(arch + ".attention.key_length", spec.headDim());
            writer.putUInt32(arch + ".attention.value_length", spec.headDim());
        }
        if (spec.isMoe()) {
            writer.putUInt32(arch + ".expert_count", spec.experts());
            writer.putUInt32(arch + ".expert_used_count", spec.expertsUsed());
            writer.putUInt32(arch + ".expert_feed_forward_length", spec.moeFfn());
        }
        if (spec.yarn() != null) {
            writer.putString(arch + ".rope.scaling.type", "yarn");
            writer.putFloat32(arch + ".rope.scaling.factor", spec.yarn().factor());
            writer.putUInt32(arch + ".rope.scaling.original_context_length", spec.yarn().originalContext());
        }
    }

    private static void fill(long seed, SynthPlan.PlannedTensor tensor, MemorySegment target) {
        var generator = new WeightGenerator(seed, tensor.name(), tensor.mean(), tensor.std());
        QuantFormat format = QuantFormats.of(tensor.type());
        int rowLength = (int) tensor.shape()[0];
        long rowBytes = tensor.type().bytesFor(rowLength);
        long rows = tensor.rows();
        int rowsPerChunk = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / rowBytes));
        // The file's mapping belongs to this thread; worker threads fill a heap chunk that is copied over.
        byte[] chunk = new byte[(int) (rowsPerChunk * rowBytes)];
        MemorySegment chunkSegment = MemorySegment.ofArray(chunk);
        for (long first = 0; first < rows; first += rowsPerChunk) {
            long base = first;
            int count = (int) Math.min(rowsPerChunk, rows - first);
            IntStream.range(0, count).parallel().forEach(i -> {
                float[] values = new float[rowLength];
                generator.fillRow(base + i, values, rowLength);
                format.quantize(values, 0, rowLength, chunkSegment, i * rowBytes);
            });
            MemorySegment.copy(chunkSegment, 0, target, first * rowBytes, count * rowBytes);
        }
    }

    /** llama.cpp's {@code llama_ftype} for a file whose matrices are mostly {@code type}. */
    static final class LlamaFileType {
        private LlamaFileType() {
        }

        static int of(TensorType type) {
            return switch (type) {
                case F32 -> 0;
                case F16 -> 1;
                case Q4_0 -> 2;
                case Q4_1 -> 3;
                case Q8_0 -> 7;
                case Q5_0 -> 8;
                case Q5_1 -> 9;
                case Q2_K -> 10;
                case Q3_K -> 12;
                case Q4_K -> 14;
                case Q5_K -> 16;
                case Q6_K -> 18;
                case IQ4_NL -> 25;
                case IQ4_XS -> 30;
                case BF16 -> 32;
            };
        }
    }
}
