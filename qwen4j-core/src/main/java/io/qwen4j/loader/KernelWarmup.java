package io.qwen4j.loader;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.model.Architectures;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import io.qwen4j.model.WeightSource;
import io.qwen4j.tensor.Tensor;
import java.util.Optional;

/**
 * Gets the model's kernels JIT-compiled while the rest of the model loads.
 *
 * <p>Vector API code is fast only once C2 has compiled it: interpreted and C1 code box every vector, and the
 * first forward pass of a fresh JVM took ~0.8 s for one token of a 0.6B model, most of it spent waiting for C2.
 * So, as soon as the weights are mapped, a background thread runs forward passes of a <em>one-layer</em> copy of
 * the model: the real layer-0 tensors (same formats, same shapes, so the very code paths of the real pass) and
 * only the first {@value #VOCAB_ROWS} rows of the embedding and output matrices, alternating a single token
 * (the decode kernels) with a short batch (the prefill kernels). Each pass costs a few milliseconds once
 * compiled. It never touches the real model's buffers or caches, so results do not depend on it.
 *
 * <p>It stops at the first real forward pass ({@link #stop()}), after {@value #MAX_PASSES} passes, or after
 * {@value #MAX_MILLIS} ms, whichever comes first, so it never competes with real work for long.
 */
final class KernelWarmup {

    static final int VOCAB_ROWS = 256;
    static final int MAX_PASSES = 64;
    static final long MAX_MILLIS = 3_000;
    private static final int PREFILL_TOKENS = 4;

    private final Thread thread;
    private volatile boolean stopped;
    private volatile int passes;
    private volatile RuntimeException failure;

    private KernelWarmup(Model warmModel) {
        thread = Thread.ofPlatform().daemon().name("qwen4j-warmup").unstarted(() -> run(warmModel));
    }

    /**
     * Starts warming up the kernels of the model {@code config} describes, over {@code weights}; returns
     * empty when the model cannot be cut down to one layer (then the first pass simply warms up itself).
     */
    static Optional<KernelWarmup> start(ModelConfig config, WeightSource weights) {
        ModelConfig small = config.toBuilder()
                .numLayers(1)
                .vocabSize(Math.min(VOCAB_ROWS, config.vocabSize()))
                .contextLength(Math.min(64, config.contextLength()))
                .build();
        Model warmModel;
        try {
            // A one-thread pool runs every kernel on this thread, leaving the other cores to the loader.
            warmModel = Architectures.load(small, new FirstRows(weights, small.vocabSize()), new ComputePool(1),
                    PREFILL_TOKENS);
        } catch (RuntimeException e) {
            return Optional.empty(); // an unusual layout: the real load reports real problems
        }
        var warmup = new KernelWarmup(warmModel);
        warmup.thread.start();
        return Optional.of(warmup);
    }

    /** Asks the warm-up to end after its current pass; does not wait. */
    void stop() {
        stopped = true;
    }

    /** Stops the warm-up and waits for its current pass to end (before the weights are unmapped). */
    void stopAndWait() {
        stop();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isRunning() {
        return thread.isAlive();
    }

    /** Forward passes completed so far. */
    int passes() {
        return passes;
    }

    /** What ended the warm-up early, if anything did (it is only a speed-up, so it never propagates). */
    Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    private void run(Model model) {
        long deadline = System.nanoTime() + MAX_MILLIS * 1_000_000;
        int vocab = model.config().vocabSize();
        try {
            for (int pass = 0; pass < MAX_PASSES && !stopped && System.nanoTime() < deadline; pass++) {
                int tokens = pass % 2 == 0 ? 1 : PREFILL_TOKENS;
                int[] ids = new int[tokens];
                for (int i = 0; i < tokens; i++) {
                    ids[i] = (pass * 31 + i * 7) % vocab;
                }
                var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, tokens);
                model.forward(ForwardBatch.of(new ForwardBatch.Sequence(ids, 0, cache)));
                passes = pass + 1;
            }
            StartupTrace.mark("kernel warm-up ended");
        } catch (RuntimeException e) {
            // Only a speed-up: a failure here must not affect the real model, which reports its own errors.
            failure = e;
            StartupTrace.mark("kernel warm-up failed: " + e);
        }
    }

    /** The weights with the token embedding and output matrices cut to their first {@code rows} rows. */
    record FirstRows(WeightSource weights, int rows) implements WeightSource {
        @Override
        public Optional<Tensor> find(String name) {
            Optional<Tensor> tensor = weights.find(name);
            if (!name.equals("token_embd.weight") && !name.equals("output.weight")) {
                return tensor;
            }
            return tensor.map(t -> t.dims() != 2 || t.dim(1) <= rows ? t : new Tensor(t.name(), t.type(),
                    new long[] {t.dim(0), rows}, t.data().asSlice(0, t.rowBytes() * rows)));
        }
    }
}
