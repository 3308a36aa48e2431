package io.qwen4j.convert;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.LlamaCppMetadata;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.loader.hf.GenerationConfig;
import io.qwen4j.loader.hf.HfConfig;
import io.qwen4j.loader.hf.HfModelFolder;
import io.qwen4j.loader.hf.HfWeights;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
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
        HfConfig config = HfConfig.read(hfDir);
        ModelConfig model = config.model();
        Vocabulary vocabulary = Vocabulary.fromHuggingFace(hfDir, model.vocabSize());
        Optional<ChatTemplate> template = HfModelFolder.chatTemplate(hfDir);
        GenerationConfig generation = GenerationConfig.read(hfDir);
        try (HfWeights weights = HfModelFolder.openWeights(hfDir, config, TensorType.F32)) {
            var writer = new GgufWriter();
            String name = HfModelFolder.modelName(hfDir);
            LlamaCppMetadata.writeGeneral(writer, model.architecture(), name, target.llamaFileType);
            LlamaCppMetadata.writeHyperparameters(writer, model);
            generation.samplingDefaults().ifPresent(s -> LlamaCppMetadata.writeSampling(writer, s.nonThinking()));
            LlamaCppMetadata.writeTokenizer(writer, vocabulary, template);
            var names = weights.ggufNames();
            var mix = new QuantMix(target, model.numLayers(), model.numExperts(),
                    model.numHeads() / model.numKeyValueHeads(), names.contains("output.weight"));
            for (String tensorName : names) {
                long[] shape = weights.ggufShape(tensorName);
                TensorType type = mix.typeFor(tensorName, shape);
                // Lent, not kept: FP8 dequantized to F32 and stacked experts exist one tensor at a time.
                writer.addTensor(tensorName, type, shape, segment -> weights.lend(tensorName, source -> {
                    progress.accept(tensorName + " " + source.type() + " -> " + type);
                    TensorTranscoder.transcode(source, type, segment);
                }));
            }
            writer.write(out);
        }
        checkLoads(out);
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
