package io.qwen4j.model;

import io.qwen4j.kernels.ComputePool;

/**
 * The first half of a decoder layer, where tokens see each other: softmax attention over a KV cache ({@link Attention})
 * or, in hybrid models, linear attention over a recurrent state ({@link GatedDeltaNet}). Reads {@code ws.normed},
 * writes {@code ws.output}.
 */
sealed interface TokenMixer permits Attention, GatedDeltaNet {

    void forward(ComputePool pool, Workspace ws, int layer, int tokens);
}
