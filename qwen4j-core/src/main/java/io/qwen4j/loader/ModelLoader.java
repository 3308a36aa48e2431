package io.qwen4j.loader;

import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Pooling;
import io.qwen4j.engine.SamplingDefaults;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.loader.hf.HfModelFolder;
import io.qwen4j.model.Architectures;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Opens a model into a {@link LoadedModel}: a GGUF file (weights stay memory-mapped, nothing is copied) or a
 * Hugging Face model folder ({@link HfModelFolder}).
 */
public final class ModelLoader {

    /** Tokens that end an assistant turn or a document in every Qwen vocabulary, besides the file's EOS. */
    private static final String[] END_TOKENS = {"<|im_end|>", "<|endoftext|>"};

    private ModelLoader() {
    }

    public static LoadedModel load(Path path, LoadOptions options) throws IOException {
        if (!Files.exists(path)) {
            throw new InvalidInputException("model not found: " + path);
        }
        if (Files.isDirectory(path)) {
            if (!HfModelFolder.looksLikeModelFolder(path)) {
                throw new InvalidInputException(path + " is a folder without config.json: neither a GGUF file"
                        + " nor a Hugging Face model folder");
            }
            return HfModelFolder.load(path, options);
        }
        GgufFile gguf = GgufFile.open(path);
        StartupTrace.mark("GGUF header and metadata parsed");
        try {
            return fromGguf(gguf, options);
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    private static LoadedModel fromGguf(GgufFile gguf, LoadOptions options) {
        GgufMetadata metadata = gguf.metadata();
        GgufWeights weights = new GgufWeights(gguf);
        ModelConfig config = GgufModelConfig.read(metadata, weights);
        ComputePool pool = new ComputePool(options.resolvedThreads());
        try {
            Model model = Architectures.load(config, weights, pool, options.maxBatchTokens());
            StartupTrace.mark("model built");
            var vocabulary = GgufVocabulary.read(metadata);
            StartupTrace.mark("vocabulary read from metadata");
            Tokenizer tokenizer = Tokenizer.fromVocabulary(vocabulary);
            StartupTrace.mark("tokenizer built");
            // Parsed on first use: the template engine costs ~0.4 s to start, which a raw prompt never needs.
            Supplier<Optional<ChatTemplate>> template = () -> metadata.contains(GgufChatTemplates.TEMPLATE)
                    ? Optional.of(GgufChatTemplates.read(metadata)) : Optional.empty();
            long weightBytes = gguf.tensorInfos().stream().mapToLong(GgufTensorInfo::bytes).sum();
            return new LoadedModel(stem(gguf.path()), gguf.path(), config, model, tokenizer, template,
                    endOfTurnIds(tokenizer), samplingDefaults(metadata), embeddingSettings(metadata, config.architecture()),
                    weightBytes, pool, gguf);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** The file's EOS, any EOT, and Qwen's {@code <|im_end|>} / {@code <|endoftext|>} when the vocabulary has them. */
    public static Set<Integer> endOfTurnIds(Tokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>();
        tokenizer.eosId().ifPresent(ids::add);
        tokenizer.vocabulary().specialIds().entrySet().stream()
                .filter(e -> e.getKey().equals("eot"))
                .forEach(e -> ids.add(e.getValue()));
        for (String token : END_TOKENS) {
            tokenizer.id(token).ifPresent(ids::add);
        }
        return Set.copyOf(ids);
    }

    /** The pooling type and rerank template llama.cpp's converter writes for embedding and reranker models. */
    static EmbeddingSettings embeddingSettings(GgufMetadata metadata, String arch) {
        String pooling = EmbeddingSettings.poolingKey(arch);
        return new EmbeddingSettings(
                metadata.contains(pooling) ? Optional.of(Pooling.ofGgufId(metadata.getInt(pooling))) : Optional.empty(),
                metadata.findString(EmbeddingSettings.RERANK_TEMPLATE));
    }

    /** llama.cpp's {@code general.sampling.*} keys when present, else Qwen3's recommended values. */
    static SamplingDefaults samplingDefaults(GgufMetadata metadata) {
        String temp = "general.sampling.temp";
        String topK = "general.sampling.top_k";
        String topP = "general.sampling.top_p";
        String minP = "general.sampling.min_p";
        if (!metadata.contains(temp) && !metadata.contains(topK) && !metadata.contains(topP)) {
            return SamplingDefaults.QWEN3;
        }
        return SamplingDefaults.fromModel(metadata.getFloat(temp, 0.7f), metadata.getInt(topK, 20),
                metadata.getFloat(topP, 0.8f), metadata.getFloat(minP, 0f), "model file (general.sampling.*)");
    }

    private static String stem(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }
}
