/**
 * The routes, one file per group: {@code ChatCompletionsEndpoint} ({@code /v1/chat/completions}),
 * {@code CompletionsEndpoint} ({@code /v1/completions}), {@code InfoEndpoints} ({@code /health},
 * {@code /v1/models}, {@code /metrics}, 404), {@code TokenizerEndpoints} ({@code /tokenize},
 * {@code /detokenize}, {@code /apply-template}). Generating routes extend {@code GenerationEndpoint} and
 * describe their output with a {@code ResponseShape}; {@code GenerationResponse} does the rest.
 */
package io.qwen4j.server.endpoint;
