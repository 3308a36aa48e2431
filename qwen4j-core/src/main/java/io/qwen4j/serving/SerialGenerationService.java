package io.qwen4j.serving;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.Generation;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.model.Model;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simplest {@link GenerationService}: one engine thread runs one request at a time on one reusable
 * contiguous cache, in arrival order. It is the reference the batching scheduler is compared with, and a
 * fallback that is easy to reason about.
 */
public final class SerialGenerationService implements GenerationService {

    private final Generator generator;
    private final KvCacheType kvCacheType;
    private final int contextLength;
    private final int maxQueue;
    private final BlockingQueue<Job> queue;
    private final Thread engineThread;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;

    public SerialGenerationService(Model model, KvCacheType kvCacheType, int contextLength, int maxQueue) {
        this.generator = new Generator(model);
        this.kvCacheType = kvCacheType;
        this.contextLength = contextLength;
        this.maxQueue = maxQueue;
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.engineThread = Thread.ofPlatform().name("qwen4j-engine").daemon().start(this::runLoop);
    }

    private static final class Job implements Submission {
        final int[] prompt;
        final GenerationRequest request;
        final StepListener listener;
        volatile boolean cancelled;
        volatile boolean done;

        Job(int[] prompt, GenerationRequest request, StepListener listener) {
            this.prompt = prompt.clone();
            this.request = request;
            this.listener = listener;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isDone() {
            return done;
        }
    }

    @Override
    public Submission submit(int[] prompt, GenerationRequest request, StepListener listener) {
        if (closed) {
            throw new IllegalStateException("the generation service is shut down");
        }
        if (prompt.length > contextLength) {
            throw new ContextOverflowException("prompt", prompt.length, contextLength);
        }
        Job job = new Job(prompt, request, listener);
        if (!queue.offer(job)) {
            throw new QueueFullException(maxQueue);
        }
        return job;
    }

    private void runLoop() {
        ContiguousKvCache cache = null;
        while (!closed) {
            Job job;
            try {
                job = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job == null) {
                continue;
            }
            cache = run(job, cache);
        }
    }

    /** Runs one job; returns the cache to reuse (created on first use, inside the job's error handling). */
    private ContiguousKvCache run(Job job, ContiguousKvCache cache) {
        running.incrementAndGet();
        try {
            if (job.cancelled) {
                return cache;
            }
            if (cache == null) {
                cache = ContiguousKvCache.forContext(generator.model().config(), kvCacheType, contextLength);
            }
            job.listener.onPromptCached(0);
            Generation generation = generator.start(job.prompt, cache, job.request);
            while (!job.cancelled && !closed && generation.hasNext()) {
                job.listener.onStep(generation.next());
            }
            if (!job.cancelled && !closed) {
                job.listener.onFinish(generation.finishReason().orElseThrow());
            }
        } catch (RuntimeException e) {
            job.listener.onError(e);
        } finally {
            job.done = true;
            running.decrementAndGet();
        }
        return cache;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public ServiceStats stats() {
        return new ServiceStats(queue.size(), running.get(), 0, contextLength);
    }

    @Override
    public void close() {
        closed = true;
        for (Job job; (job = queue.poll()) != null; ) {
            job.cancel();
            job.done = true;
        }
        try {
            engineThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
