/**
 * The OpenAI-compatible server: {@link io.qwen4j.server.OpenAiServer} (routes, lifecycle),
 * {@link io.qwen4j.server.ServerOptions}, and the {@link io.qwen4j.server.ServerContext} every route shares.
 *
 * <p>Where things are: {@code endpoint} one file per route group (chat, completions, info, tokenizer) and
 * the response loop generating routes share; {@code openai} request fields and OpenAI's JSON shapes;
 * {@code generation} one request's run on the engine and the text of its choices; {@code http} the frame
 * every route runs in (key, methods, errors, SSE, body limits, disconnects); {@code metrics} /metrics.
 */
package io.qwen4j.server;
