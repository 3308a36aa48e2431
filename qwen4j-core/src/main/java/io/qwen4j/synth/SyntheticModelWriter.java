package io.qwen4j.synth;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.LlamaCppMetadata;
import io.qwen4j.model.Architectures;
import io.qwen4j.model.GatedDeltaNetConfig;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.model.RopeScaling;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.quant.RandomBlocks;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Writes a synthetic Qwen model as GGUF: llama.cpp's metadata keys and tensor names, the real
 * tokenizer and chat template, and deterministic random weights quantized with the reference quantizers.
 * The metadata comes from {@link LlamaCppMetadata}, shared with {@code convert}. To support a new
 * architecture, extend {@link SynthPlan}.
 */
public final class SyntheticModelWriter {

    /** Weights are produced in chunks of about this many bytes, rows in parallel, then copied to the file. */
    private static final long CHUNK_BYTES = 32L << 20;

    private SyntheticModelWriter() {
    }

    public static void write(SynthSpec spec, Path out) throws IOException {
        write(spec, SynthHead.NONE, out);
    }

    /** A model with an embedder's or reranker's marks ({@link SynthHead}) besides the spec's layers. */
    public static void write(SynthSpec spec, SynthHead head, Path out) throws IOException {
        Vocabulary vocabulary = Vocabulary.fromHuggingFace(spec.tokenizerDir(), spec.vocabSize());
        ChatTemplate template = ChatTemplate.fromHuggingFace(spec.tokenizerDir());
        var writer = new GgufWriter();
        LlamaCppMetadata.writeGeneral(writer, spec.architecture(),
                "qwen4j synthetic " + spec.architecture() + " (random weights)", LlamaCppMetadata.fileType(spec.matrixType()));
        LlamaCppMetadata.writeHyperparameters(writer, modelConfig(spec), spec.isHybrid() ? spec.linear().mtpLayers() : 0);
        LlamaCppMetadata.writeTokenizer(writer, vocabulary, Optional.of(template));
        head.pooling().ifPresent(p -> writer.putUInt32(EmbeddingSettings.poolingKey(spec.architecture()), p.ggufId()));
        if (head.hasClassifier()) {
            writer.putStrings(EmbeddingSettings.classifierLabelsKey(spec.architecture()), head.classifierLabels());
        }
        for (SynthPlan.PlannedTensor tensor : SynthPlan.plan(spec, head)) {
            writer.addTensor(tensor.name(), tensor.type(), tensor.shape(), target -> fill(spec.seed(), tensor, target));
        }
        writer.write(out);
    }

    /** The spec's hyperparameters as the engine's config (what the GGUF keys describe). */
    static ModelConfig modelConfig(SynthSpec spec) {
        return ModelConfig.builder(spec.architecture())
                .hiddenSize(spec.hiddenSize()).numLayers(spec.layers()).numHeads(spec.heads())
                .numKeyValueHeads(spec.kvHeads()).headDim(spec.headDim()).intermediateSize(spec.ffn())
                .vocabSize(spec.vocabSize()).rmsNormEps(SynthSpec.RMS_NORM_EPS).ropeTheta(SynthSpec.ROPE_THETA)
                .ropeScaling(spec.yarn() == null ? RopeScaling.NONE
                        : new RopeScaling.Yarn(spec.yarn().factor(), spec.yarn().originalContext()))
                .contextLength(spec.context()).numExperts(spec.experts()).numExpertsUsed(spec.expertsUsed())
                .moeIntermediateSize(spec.moeFfn()).sharedExpertIntermediateSize(spec.hasSharedExpert() ? spec.ffn() : 0)
                .tieWordEmbeddings(spec.tiedEmbeddings())
                .rotaryDim(spec.isHybrid() ? spec.linear().rotaryDim() : 0)
                .gatedDeltaNet(spec.isHybrid() ? new GatedDeltaNetConfig(spec.linear().convKernel(), spec.linear().keyHeads(),
                        spec.linear().valueHeads(), spec.linear().headDim(), spec.linear().fullAttentionInterval(),
                        List.of(), Architectures.valueHeadOrder(spec.architecture())) : null)
                .build();
    }

    private static void fill(long seed, SynthPlan.PlannedTensor tensor, MemorySegment target) {
        var generator = new WeightGenerator(seed, tensor.name(), tensor.mean(), tensor.std());
        QuantFormat format = QuantFormats.of(tensor.type());
        Optional<RandomBlocks> blocks = RandomBlocks.instead(format);
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
                if (blocks.isPresent()) {
                    blocks.get().randomBlocks(generator.rowSeed(base + i), generator.std(), chunkSegment, i * rowBytes, rowLength);
                    return;
                }
                float[] values = new float[rowLength];
                generator.fillRow(base + i, values, rowLength);
                format.quantize(values, 0, rowLength, chunkSegment, i * rowBytes);
            });
            MemorySegment.copy(chunkSegment, 0, target, first * rowBytes, count * rowBytes);
        }
    }
}
