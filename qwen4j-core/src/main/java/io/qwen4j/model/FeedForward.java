package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;

/**
 * The feed-forward half of a decoder layer: a dense SwiGLU MLP or a sparse mixture of SwiGLU experts,
 * chosen per layer (candle's {@code Qwen3FeedForward}). Reads {@code ws.normed}, writes {@code ws.output}.
 */
sealed interface FeedForward permits DenseMlp, SparseMoe {

    void forward(ComputePool pool, Workspace ws, int tokens);
}
