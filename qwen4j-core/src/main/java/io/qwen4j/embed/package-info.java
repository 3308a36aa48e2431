/**
 * Embeddings and reranking on a loaded decoder (Qwen3-Embedding, Qwen3-Reranker): pooled, normalised final hidden
 * states ({@link io.qwen4j.embed.Embedder}) and a document's relevance to a query ({@link io.qwen4j.embed.Reranker}),
 * with the file's own settings ({@link io.qwen4j.embed.EmbeddingSettings}).
 */
package io.qwen4j.embed;
