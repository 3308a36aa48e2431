package io.qwen4j.convert;

import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Pooling;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.LlamaCppMetadata;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.loader.hf.GenerationConfig;
import io.qwen4j.loader.hf.HfConfig;
import io.qwen4j.loader.hf.HfEmbeddingSettings;
import io.qwen4j.loader.hf.HfModelFolder;
import io.qwen4j.loader.hf.HfWeights;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code qwen4j convert}: an HF model folder to one GGUF file with the tensor names, metadata keys and
 * tokenizer metadata llama.cpp's converter writes, in the requested type (K-quant mixes as llama.cpp's
 * {@code llama-quantize} makes them). FP8 weights are dequantized exactly (to F32) before quantizing.
 */
public final class HfToGguf {

    private HfToGguf() {
    }

    /** Converts {@code hfDir} into {@code out}; {@code progress} receives one line per tensor. */
    public static void convert(Path hfDir, Path out, GgufTarget target, Consumer<String> progress) throws IOException {
        Optional<ChatTemplate> template = HfModelFolder.chatTemplate(hfDir);
        GenerationConfig generation = GenerationConfig.read(hfDir);
        try (HfWeights weights = HfModelFolder.openWeights(hfDir, HfConfig.read(hfDir), TensorType.F32)) {
            ModelConfig model = weights.config().model();
            // llama.cpp's qwen35 graph wants the linear attention's value heads tiled; HF groups them
            boolean tile = model.architecture().startsWith("qwen35");
            Vocabulary vocabulary = Vocabulary.fromHuggingFace(hfDir, model.vocabSize());
            EmbeddingSettings embedding = HfEmbeddingSettings.read(hfDir, weights.config());
            var writer = new GgufWriter();
            String name = HfModelFolder.modelName(hfDir);
            LlamaCppMetadata.writeGeneral(writer, model.architecture(), name, target.llamaFileType);
            LlamaCppMetadata.writeHyperparameters(writer, model);
            generation.samplingDefaults().ifPresent(s -> LlamaCppMetadata.writeSampling(writer, s.nonThinking()));
            LlamaCppMetadata.writeTokenizer(writer, vocabulary, template);
            embedding.pooling().ifPresent(p -> writer.putUInt32(EmbeddingSettings.poolingKey(model.architecture()), p.ggufId()));
            var names = new ArrayList<>(weights.ggufNames());
            if (embedding.pooling().equals(Optional.of(Pooling.RANK))) {
                embedding.rerankTemplate().ifPresent(t -> writer.putString(EmbeddingSettings.RERANK_TEMPLATE, t));
                // a sequence-classification checkpoint brings its own head (score.weight); a causal LM gets one
                if (!names.contains(Model.CLASSIFIER_TENSOR)) {
                    writeYesNoClassifier(writer, weights, vocabulary, model);
                    // as llama.cpp's converter: the LM head's yes/no rows became the classifier, the rest is dropped
                    names.remove("output.weight");
                }
            }
            var mix = new QuantMix(target, model.numLayers(), model.numExperts(),
                    model.numHeads() / model.numKeyValueHeads(), names.contains("output.weight"));
            for (String tensorName : names) {
                long[] shape = weights.ggufShape(tensorName);
                TensorType type = mix.typeFor(tensorName, shape);
                // Lent, not kept: FP8 dequantized to F32 and stacked experts exist one tensor at a time.
                writer.addTensor(tensorName, type, shape, segment -> weights.lend(tensorName, source -> {
                    progress.accept(tensorName + " " + source.type() + " -> " + type);
                    TensorTranscoder.transcode(tile && ValueHeadTiling.applies(tensorName)
                            ? ValueHeadTiling.tiled(source, model.gatedDeltaNet()) : source, type, segment);
                }));
            }
            writer.write(out);
        }
        checkLoads(out);
    }

    /**
     * A Qwen3-Reranker's classifier as llama.cpp's converter writes it: the labels {@code yes, no} and
     * {@code cls.output.weight}, the LM head's (or the tied embedding's) rows of the tokens {@code yes} and {@code no},
     * in that order. Kept in F32: two rows.
     */
    private static void writeYesNoClassifier(GgufWriter writer, HfWeights weights, Vocabulary vocabulary, ModelConfig model) {
        writer.putStrings(EmbeddingSettings.classifierLabelsKey(model.architecture()), List.of("yes", "no"));
        Tokenizer tokenizer = Tokenizer.fromVocabulary(vocabulary);
        int dim = model.hiddenSize();
        float[] rows = new float[2 * dim];
        String head = model.tieWordEmbeddings() ? "token_embd.weight" : "output.weight";
        List<String> labels = List.of("yes", "no");
        weights.lend(head, t -> {
            for (int i = 0; i < labels.size(); i++) {
                String label = labels.get(i);
                int id = tokenizer.id(label).orElseThrow(() -> new InvalidInputException(
                        "a Qwen3-Reranker's vocabulary must have the token '" + label + "'"));
                QuantFormats.of(t.type()).dequantize(t.data(), id * t.rowBytes(), rows, i * dim, dim);
            }
        });
        writer.addTensor(Model.CLASSIFIER_TENSOR, TensorType.F32, new long[] {dim, 2},
                segment -> MemorySegment.copy(rows, 0, segment, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, rows.length));
    }

    /**
     * Opens the written file as the engine would, so a checkpoint whose shapes disagree with its config.json
     * fails here, naming the tensor, instead of producing a GGUF nobody can load.
     */
    private static void checkLoads(Path out) throws IOException {
        try (LoadedModel ignored = ModelLoader.load(out, new LoadOptions(1, 1))) {
            // loading checked every tensor's shape and type
        }
    }
}
