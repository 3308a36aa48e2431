/**
 * One request on the engine: {@code GenerationRun} (its submissions and bounded event queue),
 * {@code OutputText} (tokens to visible text, stop strings via {@code StopCutter}) and {@code ChatChoice}
 * (that text parsed into reasoning, content and tool calls).
 */
package io.qwen4j.server.generation;
