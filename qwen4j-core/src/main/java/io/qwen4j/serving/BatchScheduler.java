package io.qwen4j.serving;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching over a paged KV cache with a prefix cache (vLLM's design, one engine thread).
 *
 * <p>Each step: drop cancelled sequences; admit waiting ones while fewer than {@code parallel} run and
 * their blocks fit; build one {@link ForwardBatch} with one token for every decoding sequence and prompt
 * chunks from the remaining {@code stepTokens}; run it; let each sequence's {@link SequenceDecoder} choose
 * its next token and tell its listener. When a sequence needs a block and none is free, the most recently
 * admitted sequence is preempted: its blocks are released and it waits first in line, to be recomputed
 * (prompt and output so far) without re-emitting steps.
 */
public final class BatchScheduler implements GenerationService {

    private static final long IDLE_POLL_MILLIS = 20;

    private final Model model;
    private final SchedulerOptions options;
    private final PagedKvPool pool;
    private final BlockManager blocks;
    /** Hybrid models' recurrent states at block boundaries, or null. */
    private final RecurrentStateCache states;
    private final LinkedBlockingQueue<ServingSequence> incoming = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedNew = new AtomicInteger();
    // Engine-thread state.
    private final Deque<ServingSequence> waiting = new ArrayDeque<>();
    private final List<ServingSequence> running = new ArrayList<>();
    private int preemptedWaitingCount;
    private final Thread engineThread;
    // Published by the engine thread for stats().
    private volatile int runningCount;
    private volatile int preemptedWaiting;
    private volatile int usedBlocks;
    private volatile int cachedBlocks;
    private volatile long preemptions;
    private volatile boolean closed;

    public BatchScheduler(Model model, SchedulerOptions options) {
        this.model = model;
        this.options = options;
        this.pool = options.newPool(model.config());
        this.blocks = new BlockManager(pool.blockCount(), options.prefixCaching());
        // a hybrid model's cached blocks are a start only where a copy of its recurrent state was kept
        this.states = options.prefixCaching() && model.config().isHybrid()
                ? new RecurrentStateCache(RecurrentStateCache.DEFAULT_BUDGET_BYTES) : null;
        this.engineThread = Thread.ofPlatform().name("qwen4j-scheduler").daemon().start(this::runLoop);
    }

    /** The server's knobs ({@code --kv-cache-type --ctx --parallel --max-queue}); the rest at their defaults. */
    public BatchScheduler(Model model, KvCacheType kvCacheType, int contextLength, int parallel, int maxQueue) {
        this(model, SchedulerOptions.defaults(contextLength).withKvCacheType(kvCacheType).withParallel(parallel)
                .withMaxQueue(maxQueue));
    }

    public SchedulerOptions options() {
        return options;
    }

    @Override
    public int contextLength() {
        return options.contextLength();
    }

    @Override
    public Submission submit(int[] prompt, GenerationRequest request, StepListener listener) {
        if (closed) {
            throw new IllegalStateException("the generation service is shut down");
        }
        ServingSequence.validatePrompt(prompt, options.contextLength(), model.config().vocabSize());
        if (queuedNew.incrementAndGet() > options.maxQueue()) {
            queuedNew.decrementAndGet();
            throw new QueueFullException(options.maxQueue());
        }
        var sequence = new ServingSequence(prompt, request, listener);
        incoming.add(sequence);
        if (closed && incoming.remove(sequence)) { // close() may already have drained the queue
            queuedNew.decrementAndGet();
            throw new IllegalStateException("the generation service is shut down");
        }
        return sequence;
    }

    @Override
    public ServiceStats stats() {
        return new ServiceStats(queuedNew.get() + preemptedWaiting, runningCount, usedBlocks, pool.blockCount());
    }

    /** Unreferenced blocks that still hold a cached prefix (included in the free part of {@link #stats}). */
    public int cachedBlocks() {
        return cachedBlocks;
    }

    /** Sequences preempted so far for lack of KV blocks. */
    public long preemptions() {
        return preemptions;
    }

    @Override
    public void close() {
        closed = true;
        try {
            engineThread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Anything submitted while the engine was stopping.
        for (ServingSequence s; (s = incoming.poll()) != null; ) {
            s.abandon();
        }
    }

    // ---- engine thread ----

    private void runLoop() {
        try {
            while (!closed) {
                takeIncoming();
                dropCancelled();
                admit();
                publish();
                if (running.isEmpty()) {
                    awaitWork();
                    continue;
                }
                try {
                    step();
                } catch (RuntimeException e) {
                    failRunning(e); // a bug, not a client's fault: keep serving the others
                }
                publish();
            }
        } finally {
            for (ServingSequence s : running) {
                s.releaseBlocks(blocks);
                s.abandon();
            }
            running.clear();
            waiting.forEach(ServingSequence::abandon);
            waiting.clear();
            publish();
        }
    }

    private void awaitWork() {
        try {
            ServingSequence s = incoming.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (s != null) {
                waiting.addLast(s);
            }
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    private void takeIncoming() {
        for (ServingSequence s; (s = incoming.poll()) != null; ) {
            waiting.addLast(s);
        }
    }

    /** A cancelled sequence leaves at once and frees its blocks; the client hears nothing more. */
    private void dropCancelled() {
        waiting.removeIf(s -> {
            if (s.isCancelled()) {
                leaveWaiting(s);
                s.markDone();
                return true;
            }
            return false;
        });
        running.removeIf(s -> {
            if (s.isCancelled()) {
                s.releaseBlocks(blocks);
                s.markDone();
                return true;
            }
            return false;
        });
    }

    private void leaveWaiting(ServingSequence s) {
        if (s.started) {
            preemptedWaitingCount--;
        } else {
            queuedNew.decrementAndGet();
        }
    }

    /** Admits waiting sequences in order while a slot is open and their blocks fit. */
    private void admit() {
        while (!waiting.isEmpty() && running.size() < options.parallel()) {
            ServingSequence s = waiting.peekFirst();
            boolean fresh = s.decoder == null;
            if (fresh) {
                s.decoder = new SequenceDecoder(s.prompt, s.request,
                        new Sampler(s.request.sampling(), model.config().vocabSize(), s.request.constraint()), options.contextLength());
                s.cache = pool.newCache(options.contextLength());
                s.snapshotAt = states == null ? 0 : RecurrentStateCache.snapshotAt(s.prompt.length);
            }
            if (s.decoder.isFinished()) { // max_tokens 0: nothing to compute
                waiting.pollFirst();
                leaveWaiting(s);
                if (notify(s, () -> s.listener.onPromptCached(0))) {
                    finish(s);
                }
                continue;
            }
            int cachedTokens = s.acquirePrefix(blocks, states == null ? null : states::has);
            int needed = s.blocksMissing(Math.min(s.decoder.tokenCount() + 1, options.contextLength()));
            // Keep one block per running sequence in reserve, so admitting does not force a preemption next step.
            if (!blocks.canAllocate(needed + running.size())) {
                s.releaseBlocks(blocks);
                s.decoder.resetComputed(0);
                return;
            }
            waiting.pollFirst();
            leaveWaiting(s);
            if (cachedTokens > 0 && states != null) {
                states.resume(model, s);
            }
            running.add(s);
            if (!s.started) {
                s.started = true;
                if (!notify(s, () -> s.listener.onPromptCached(cachedTokens))) {
                    running.remove(s);
                }
            }
        }
    }

    /** One forward pass over every running sequence. */
    private void step() {
        int decoding = 0;
        for (ServingSequence s : running) {
            decoding += s.decoder.uncomputedTokens() == 1 ? 1 : 0;
        }
        int prefillBudget = Math.max(1, options.stepTokens() - decoding);
        List<ServingSequence> scheduled = new ArrayList<>();
        List<ForwardBatch.Sequence> batch = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            ServingSequence s = running.get(i);
            int uncomputed = s.decoder.uncomputedTokens();
            int take = uncomputed == 1 ? 1 : Math.min(uncomputed, prefillBudget);
            if (take == 0) {
                continue;
            }
            int start = s.decoder.computedTokens();
            take = s.chunkUpToSnapshot(start, take);
            if (!reserve(s, start + take)) {
                break; // s itself was preempted: it was the newest, so nothing after it runs
            }
            if (uncomputed > 1) {
                prefillBudget -= take;
            }
            scheduled.add(s);
            batch.add(new ForwardBatch.Sequence(s.decoder.tokensToFeed(take), start, s.cache));
        }
        if (batch.isEmpty()) {
            return;
        }
        Logits logits;
        try {
            logits = model.forward(new ForwardBatch(batch, ForwardBatch.LogitsWanted.LAST));
        } catch (RuntimeException e) {
            // The caches of every sequence in the batch are now in an unknown state.
            scheduled.forEach(s -> drop(s, e));
            return;
        }
        advance(scheduled, batch, logits);
    }

    /** Ends every running sequence with {@code error}; their caches may be half-written. */
    private void failRunning(RuntimeException error) {
        List.copyOf(running).forEach(s -> drop(s, error));
    }

    /** Storage for positions below {@code positions}, preempting the newest sequences while none is free. */
    private boolean reserve(ServingSequence s, int positions) {
        while (s.blocksMissing(positions) > 0) {
            if (blocks.canAllocate(1)) {
                s.growByOneBlock(blocks);
                continue;
            }
            ServingSequence victim = running.getLast();
            preempt(victim);
            if (victim == s) {
                return false;
            }
        }
        return true;
    }

    private void preempt(ServingSequence s) {
        running.remove(s);
        s.releaseBlocks(blocks);
        s.decoder.resetComputed(0);
        waiting.addFirst(s);
        preemptedWaitingCount++;
        preemptions++;
    }

    /** Records what each sequence computed, chooses the next tokens, and tells the listeners in order. */
    private void advance(List<ServingSequence> scheduled, List<ForwardBatch.Sequence> batch, Logits logits) {
        List<SequenceDecoder> decoders = new ArrayList<>(scheduled.size());
        int[] rows = new int[scheduled.size()];
        for (int i = 0; i < scheduled.size(); i++) {
            ServingSequence s = scheduled.get(i);
            s.decoder.markComputed(batch.get(i).tokens().length);
            s.registerFullBlocks(blocks);
            if (states != null) {
                states.keep(model, s);
            }
            decoders.add(s.decoder);
            rows[i] = i;
        }
        Choices.Choice[] choices = Choices.choose(decoders, rows, logits);
        for (int i = 0; i < scheduled.size(); i++) {
            ServingSequence s = scheduled.get(i);
            Choices.Choice choice = choices[i];
            if (choice == null) {
                continue; // a prompt chunk: more to prefill
            }
            if (choice.error() != null) {
                drop(s, choice.error());
                continue;
            }
            if (choice.step().isPresent() && !notify(s, () -> s.listener.onStep(choice.step().get()))) {
                running.remove(s);
                continue;
            }
            if (s.decoder.isFinished()) {
                running.remove(s);
                finish(s);
            }
        }
    }

    private void finish(ServingSequence s) {
        s.releaseBlocks(blocks);
        publish(); // a client that reads the stats once it has its answer sees this sequence gone
        notify(s, () -> s.listener.onFinish(s.decoder.finishReason().orElseThrow()));
        s.markDone();
    }

    /**
     * Calls the listener; one that throws is treated as a cancelled client: its blocks are freed, it is
     * told once through onError, and false is returned so the caller drops it.
     */
    private boolean notify(ServingSequence s, Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException e) {
            drop(s, e);
            return false;
        }
    }

    /** Removes a failed sequence, frees its blocks and tells its listener once. */
    private void drop(ServingSequence s, RuntimeException error) {
        running.remove(s);
        s.releaseBlocks(blocks);
        publish();
        s.markDone();
        try {
            s.listener.onError(error);
        } catch (RuntimeException ignored) {
            // the listener is broken; nothing more to tell it
        }
    }

    private void publish() {
        runningCount = running.size();
        preemptedWaiting = preemptedWaitingCount;
        usedBlocks = blocks.usedBlocks();
        cachedBlocks = blocks.cachedBlocks();
    }
}
