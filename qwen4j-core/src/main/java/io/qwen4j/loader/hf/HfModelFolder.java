package io.qwen4j.loader.hf;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.model.Architectures;
import io.qwen4j.model.Model;
import io.qwen4j.safetensors.SafetensorsCheckpoint;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Opens a Hugging Face model folder ({@code config.json}, {@code generation_config.json},
 * {@code tokenizer.json} + {@code tokenizer_config.json}, safetensors weights) into a {@link LoadedModel}.
 *
 * <p>The vocabulary is read the way llama.cpp's converter reads it (padded to the model's
 * {@code vocab_size}), so an HF folder and the GGUF that {@code qwen4j convert} makes of it tokenize and
 * decode identically.
 */
public final class HfModelFolder {

    private HfModelFolder() {
    }

    public static boolean looksLikeModelFolder(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"));
    }

    public static LoadedModel load(Path dir, LoadOptions options) throws IOException {
        return load(dir, options, HfWeights.DEFAULT_FP8_TARGET);
    }

    /** As {@link #load(Path, LoadOptions)}, dequantizing FP8 weights to {@code fp8Target} (benchmarks). */
    public static LoadedModel load(Path dir, LoadOptions options, TensorType fp8Target) throws IOException {
        HfConfig config = HfConfig.read(dir);
        GenerationConfig generation = GenerationConfig.read(dir);
        Tokenizer tokenizer = Tokenizer.fromVocabulary(Vocabulary.fromHuggingFace(dir, config.model().vocabSize()));
        Optional<ChatTemplate> template = chatTemplate(dir);
        HfWeights weights = openWeights(dir, config, fp8Target);
        config = weights.config();
        ComputePool pool = null;
        try {
            pool = new ComputePool(options.resolvedThreads());
            Model model = Architectures.load(config.model(), weights, pool, options.maxBatchTokens());
            Set<Integer> endOfTurn = new LinkedHashSet<>(ModelLoader.endOfTurnIds(tokenizer));
            endOfTurn.addAll(generation.eosTokenIds());
            return new LoadedModel(modelName(dir), dir, config.model(),
                    model, tokenizer, () -> template, Set.copyOf(endOfTurn),
                    generation.samplingDefaults().orElse(io.qwen4j.engine.SamplingDefaults.QWEN3),
                    HfEmbeddingSettings.read(dir, config), weights.resolvedBytes(), pool, weights);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            weights.close();
            throw e;
        }
    }

    /**
     * The model's id: the folder's name, or NAME for a snapshot in the HF cache layout
     * ({@code .../models--ORG--NAME/snapshots/REV}), whose own folder name is a commit hash.
     */
    public static String modelName(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Path repo = parent == null ? null : parent.getParent();
        if (parent != null && repo != null && parent.getFileName().toString().equals("snapshots")
                && repo.getFileName().toString().startsWith("models--")) {
            String repoName = repo.getFileName().toString();
            return repoName.substring(repoName.lastIndexOf("--") + 2);
        }
        return abs.getFileName().toString();
    }

    /** The checkpoint of {@code dir} under GGUF names (for conversion), FP8 dequantized to {@code fp8Target}. */
    public static HfWeights openWeights(Path dir, HfConfig config, TensorType fp8Target) throws IOException {
        SafetensorsCheckpoint checkpoint = HfTensorNames.canonical(SafetensorsCheckpoint.open(dir));
        return new HfWeights(checkpoint, headless(config, checkpoint), fp8Target);
    }

    /**
     * {@code config} with tied embeddings when the checkpoint has no LM head although config.json says it is untied:
     * embedding models are saved without one (Qwen3-Embedding-4B/8B), and llama.cpp, whose converter then writes no
     * {@code output.weight}, uses the token embedding. Their LM head is never the point; loading them is.
     */
    private static HfConfig headless(HfConfig config, SafetensorsCheckpoint checkpoint) {
        if (config.model().tieWordEmbeddings() || checkpoint.find(HfTensorNames.LM_HEAD).isPresent()) {
            return config;
        }
        return new HfConfig(config.model().toBuilder().tieWordEmbeddings(true).build(), config.fp8(), config.file());
    }

    /** The folder's chat template ({@code tokenizer_config.json} or {@code chat_template.jinja}), if it has one. */
    public static Optional<ChatTemplate> chatTemplate(Path dir) throws IOException {
        return hasChatTemplate(dir) ? Optional.of(ChatTemplate.fromHuggingFace(dir)) : Optional.empty();
    }

    static boolean hasChatTemplate(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
            return true;
        }
        Path config = dir.resolve("tokenizer_config.json");
        return Files.isRegularFile(config) && Files.readString(config).contains("\"chat_template\"");
    }
}
