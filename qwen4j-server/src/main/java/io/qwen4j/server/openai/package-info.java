/**
 * OpenAI's request side: typed field reading ({@code RequestFields}), the sampling and limit fields
 * ({@code GenerationOptions}), chat prompts and tool choices, and JSON pieces of the responses
 * ({@code OpenAiJson}).
 */
package io.qwen4j.server.openai;
