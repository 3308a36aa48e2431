package io.qwen4j.loader;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.engine.SamplingDefaults;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Everything one model file provides, ready to run: the network, its tokenizer and chat template, the
 * token ids that end a turn, and recommended sampling. Closing it unmaps the weights and stops the compute
 * pool, so nothing may use {@link #model()} afterwards.
 *
 * <p>A class rather than a record because the chat template is parsed on first use: building the template
 * engine costs about 0.4 s at start-up, and a raw-prompt run ({@code generate}, {@code bench}) never needs it.
 * A template that fails to parse therefore fails at {@link #chatTemplate()}, not at load.
 */
public final class LoadedModel implements AutoCloseable {

    private final String name;
    private final Path path;
    private final ModelConfig config;
    private final Model model;
    private final Tokenizer tokenizer;
    private final Supplier<Optional<ChatTemplate>> templateParser;
    private final Set<Integer> endOfTurnIds;
    private final SamplingDefaults samplingDefaults;
    private final EmbeddingSettings embedding;
    private final long weightBytes;
    private final ComputePool pool;
    private final AutoCloseable storage;
    private Optional<ChatTemplate> chatTemplate; // guarded by this; null until first parsed

    /**
     * @param name        the model's id: the file's stem (the server's model name)
     * @param weightBytes bytes of tensor data the file maps (what decode streams per token, at most)
     */
    public LoadedModel(String name, Path path, ModelConfig config, Model model, Tokenizer tokenizer,
                       Optional<ChatTemplate> chatTemplate, Set<Integer> endOfTurnIds,
                       SamplingDefaults samplingDefaults, long weightBytes, ComputePool pool, AutoCloseable storage) {
        this(name, path, config, model, tokenizer, constant(chatTemplate), endOfTurnIds, samplingDefaults,
                EmbeddingSettings.NONE, weightBytes, pool, storage);
    }

    /** As above, with the template parsed by {@code templateParser} on the first call of {@link #chatTemplate()}. */
    public LoadedModel(String name, Path path, ModelConfig config, Model model, Tokenizer tokenizer,
                       Supplier<Optional<ChatTemplate>> templateParser, Set<Integer> endOfTurnIds,
                       SamplingDefaults samplingDefaults, EmbeddingSettings embedding, long weightBytes,
                       ComputePool pool, AutoCloseable storage) {
        this.name = Objects.requireNonNull(name, "name");
        this.path = Objects.requireNonNull(path, "path");
        this.config = Objects.requireNonNull(config, "config");
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.templateParser = Objects.requireNonNull(templateParser, "templateParser");
        this.endOfTurnIds = Set.copyOf(endOfTurnIds);
        this.samplingDefaults = Objects.requireNonNull(samplingDefaults, "samplingDefaults");
        this.embedding = Objects.requireNonNull(embedding, "embedding");
        this.weightBytes = weightBytes;
        this.pool = Objects.requireNonNull(pool, "pool");
        this.storage = Objects.requireNonNull(storage, "storage");
    }

    private static Supplier<Optional<ChatTemplate>> constant(Optional<ChatTemplate> template) {
        Objects.requireNonNull(template, "chatTemplate");
        return () -> template;
    }

    /** The model's id: the file's stem (the server's model name). */
    public String name() {
        return name;
    }

    public Path path() {
        return path;
    }

    public ModelConfig config() {
        return config;
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat template, parsed on the first call (thread-safe); empty when the model has none. */
    public synchronized Optional<ChatTemplate> chatTemplate() {
        if (chatTemplate == null) {
            chatTemplate = Objects.requireNonNull(templateParser.get(), "parsed chat template");
        }
        return chatTemplate;
    }

    /** The chat template, or an error naming the model when the file has none. */
    public ChatTemplate requireChatTemplate() {
        return chatTemplate().orElseThrow(() -> new io.qwen4j.InvalidInputException(
                "model '" + name + "' has no chat template (tokenizer.chat_template); use a raw prompt"));
    }

    public Set<Integer> endOfTurnIds() {
        return endOfTurnIds;
    }

    public SamplingDefaults samplingDefaults() {
        return samplingDefaults;
    }

    /** What the file says about pooling and reranking (nothing, for a chat model). */
    public EmbeddingSettings embedding() {
        return embedding;
    }

    /** Bytes of tensor data the file maps (what decode streams per token, at most). */
    public long weightBytes() {
        return weightBytes;
    }

    public ComputePool pool() {
        return pool;
    }

    /** What holds the weights (the mapped file); closed by {@link #close()}. */
    public AutoCloseable storage() {
        return storage;
    }

    @Override
    public void close() {
        pool.close();
        try {
            storage.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "LoadedModel[" + name + ", " + path + ", " + config.architecture() + "]";
    }
}
