package io.qwen4j.embed;

import java.util.Optional;

/**
 * What a model file says about its use as an embedder or reranker: the pooling llama.cpp's converter recorded
 * ({@code {arch}.pooling_type}) and a reranker's prompt ({@code tokenizer.chat_template.rerank}, with
 * {@code {query}} and {@code {document}} in it). Both are absent in a chat model's file.
 */
public record EmbeddingSettings(Optional<Pooling> pooling, Optional<String> rerankTemplate) {

    /** A file that says nothing: a chat model, or an embedding model converted without the keys. */
    public static final EmbeddingSettings NONE = new EmbeddingSettings(Optional.empty(), Optional.empty());

    /** The GGUF key of the pooling type under architecture {@code arch}. */
    public static String poolingKey(String arch) {
        return arch + ".pooling_type";
    }

    /** The GGUF key of a classifier head's labels, one per row of {@code cls.output.weight} (llama.cpp's n_cls_out). */
    public static String classifierLabelsKey(String arch) {
        return arch + ".classifier.output_labels";
    }

    /** The GGUF key of the rerank prompt template (one of llama.cpp's named templates). */
    public static final String RERANK_TEMPLATE = "tokenizer.chat_template.rerank";

    /** The pooling for embeddings: the file's, else {@link Pooling#LAST} (Qwen3-Embedding's). */
    public Pooling embeddingPooling() {
        return pooling.orElse(Pooling.LAST);
    }
}
