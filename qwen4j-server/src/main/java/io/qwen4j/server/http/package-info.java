/**
 * HTTP mechanics shared by every route: {@code Endpoint} (API key, methods, shutdown refusal, error
 * mapping), {@code ApiException} (OpenAI's error shape), {@code Responses} (bodies within the size limit),
 * {@code SseStream}, {@code ClientWatch} (disconnects of silent requests), {@code JsonRoute}.
 */
package io.qwen4j.server.http;
