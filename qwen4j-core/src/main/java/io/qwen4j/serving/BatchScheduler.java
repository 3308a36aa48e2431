package io.qwen4j.serving;

import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.PagedKvPool;
import io.qwen4j.engine.Sampler;
import io.qwen4j.engine.SequenceDecoder;
import io.qwen4j.engine.speculative.Drafter;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import java.util.ArrayList;
import java.util.List;

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
    /** Guesses tokens for the sequence that decodes alone (one at a time, so one drafter serves all), or null. */
    private final Drafter drafter;
    /** Hybrid models' recurrent states at block boundaries, or null. */
    private final RecurrentStateCache states;
    private final WaitingLine waiting;
    // Engine-thread state.
    private final List<ServingSequence> running = new ArrayList<>();
    private final Thread engineThread;
    // Published by the engine thread for stats().
    private volatile int runningCount;
    private volatile int usedBlocks;
    private volatile int cachedBlocks;
    private volatile long preemptions;
    private volatile long draftedTokens;
    private volatile long acceptedDrafts;
    private volatile boolean closed;

    public BatchScheduler(Model model, SchedulerOptions options) {
        this.model = model;
        this.options = options;
        this.pool = options.newPool(model.config());
        this.blocks = new BlockManager(pool.blockCount(), options.prefixCaching());
        this.waiting = new WaitingLine(options.maxQueue());
        // a hybrid model's cached blocks are a start only where a copy of its recurrent state was kept
        this.states = options.prefixCaching() && model.config().isHybrid()
                ? new RecurrentStateCache(RecurrentStateCache.DEFAULT_BUDGET_BYTES) : null;
        this.drafter = options.speculation().newDrafter(options.contextLength(), SpeculativeDrafts.MAX_CATCH_UP)
                .orElse(null);
        this.engineThread = Thread.ofPlatform().name("qwen4j-scheduler").daemon().start(this::runLoop);
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
        var sequence = new ServingSequence(prompt, request, listener);
        waiting.offer(sequence);
        if (closed && waiting.withdrawIncoming(sequence)) { // close() may already have drained the queue
            throw new IllegalStateException("the generation service is shut down");
        }
        return sequence;
    }

    @Override
    public ServiceStats stats() {
        return new ServiceStats(waiting.queued(), runningCount, usedBlocks, pool.blockCount(), draftedTokens,
                acceptedDrafts);
    }

    /** Unreferenced blocks that still hold a cached prefix (included in the free part of {@link #stats}). */
    public int cachedBlocks() {
        return cachedBlocks;
    }

    /** Sequences preempted so far for lack of KV blocks. */
    public long preemptions() {
        return preemptions;
    }

    /** Guessed tokens speculative decoding checked so far, and the right ones (each a step without a row of its own). */
    public long draftedTokens() {
        return draftedTokens;
    }

    public long acceptedDrafts() {
        return acceptedDrafts;
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
        for (ServingSequence s; (s = waiting.pollIncoming()) != null; ) {
            s.abandon();
        }
    }

    // ---- engine thread ----

    private void runLoop() {
        try {
            while (!closed) {
                waiting.takeIncoming();
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
            waiting.abandonAll();
            publish();
        }
    }

    private void awaitWork() {
        try {
            waiting.awaitIncoming(IDLE_POLL_MILLIS);
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    /** A cancelled sequence leaves at once and frees its blocks; the client hears nothing more. */
    private void dropCancelled() {
        waiting.removeCancelled();
        running.removeIf(s -> {
            if (s.isCancelled()) {
                s.releaseBlocks(blocks);
                s.markDone();
                return true;
            }
            return false;
        });
    }

    /** Admits waiting sequences in order while a slot is open and their blocks fit. */
    private void admit() {
        while (!waiting.isEmpty() && running.size() < options.parallel()) {
            ServingSequence s = waiting.first();
            boolean fresh = s.decoder == null;
            if (fresh) {
                s.decoder = new SequenceDecoder(s.prompt, s.request,
                        new Sampler(s.request.sampling(), model.config().vocabSize(), s.request.constraint()), options.contextLength());
                s.cache = pool.newCache(options.contextLength());
                s.speculator = drafter == null ? null : options.speculation().newSpeculator(drafter);
                s.snapshotAt = states == null ? 0 : RecurrentStateCache.snapshotAt(s.prompt.length);
            }
            if (s.decoder.isFinished()) { // max_tokens 0: nothing to compute
                waiting.removeFirst();
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
            waiting.removeFirst();
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
        long began = System.nanoTime();
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
            s.drafts = uncomputed == 1 && decoding <= SpeculativeDrafts.MAX_DECODING
                    ? SpeculativeDrafts.draft(s, blocks, model) : Drafter.NONE;
            scheduled.add(s);
            batch.add(ForwardBatch.Sequence.verifying(s.decoder.tokensToFeed(take), s.drafts, start, s.cache));
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
        advance(scheduled, batch, logits, began);
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
        waiting.addPreempted(s);
        preemptions++;
    }

    /**
     * Records what each sequence computed, chooses the next tokens, and tells the listeners in order; {@code began} is
     * when the step started.
     */
    private void advance(List<ServingSequence> scheduled, List<ForwardBatch.Sequence> batch, Logits logits,
                         long began) {
        List<SequenceDecoder> decoders = new ArrayList<>(scheduled.size());
        List<int[]> drafts = new ArrayList<>(scheduled.size());
        int[] rows = new int[scheduled.size()];
        for (int i = 0; i < scheduled.size(); i++) {
            ServingSequence s = scheduled.get(i);
            s.decoder.markComputed(batch.get(i).tokens().length - s.drafts.length); // guesses count once right
            s.registerFullBlocks(blocks);
            if (states != null && s.drafts.length == 0) { // a pass with guesses is never at a prompt's boundary
                states.keep(model, s);
            }
            decoders.add(s.decoder);
            drafts.add(s.drafts);
            rows[i] = i;
        }
        Choices.Choice[] choices = Choices.choose(decoders, drafts, rows, logits);
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
            if (s.speculator != null) {
                s.speculator.checked(s.drafts.length, choice.acceptedDrafts());
                if (scheduled.size() == 1 && batch.getFirst().tokens().length == s.drafts.length + 1) {
                    // a decode pass of its own: its time is this sequence's, guesses and all
                    s.speculator.timed(choice.steps().size(), System.nanoTime() - began);
                }
                draftedTokens += s.drafts.length; // engine thread only
                acceptedDrafts += choice.acceptedDrafts();
                s.registerFullBlocks(blocks); // the right guesses are computed too
                SpeculativeDrafts.settle(model, s, choice.acceptedDrafts());
            }
            if (!notifySteps(s, choice.steps())) {
                continue;
            }
            if (s.decoder.isFinished()) {
                running.remove(s);
                finish(s);
            }
        }
    }

    /** Tells the listener each step in order; false (and {@code s} removed) when it failed. */
    private boolean notifySteps(ServingSequence s, List<GenerationStep> steps) {
        for (GenerationStep step : steps) {
            if (!notify(s, () -> s.listener.onStep(step))) {
                running.remove(s);
                return false;
            }
        }
        return true;
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
        waiting.publish();
        usedBlocks = blocks.usedBlocks();
        cachedBlocks = blocks.cachedBlocks();
    }
}
