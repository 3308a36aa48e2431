package io.qwen4j.server;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.serving.StepListener;
import io.qwen4j.serving.Submission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The {@code n} submissions of one HTTP request and the events they produce, merged into one queue that the
 * request's (virtual) thread consumes. The engine thread only enqueues, so a slow client never stalls it.
 * A submission that ends without a terminal event (cancelled by shutdown) yields {@link Event.Aborted}.
 */
final class GenerationRun implements AutoCloseable {

    sealed interface Event {
        int choice();

        record Cached(int choice, int tokens) implements Event {
        }

        record Step(int choice, GenerationStep step) implements Event {
        }

        record Finished(int choice, FinishReason reason) implements Event {
        }

        record Failed(int choice, RuntimeException error) implements Event {
        }

        record Aborted(int choice) implements Event {
        }
    }

    private final ServerContext ctx;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<Submission> submissions = new ArrayList<>();
    private final boolean[] ended;
    private int remaining;
    private volatile boolean aborted;

    private GenerationRun(ServerContext ctx, int n) {
        this.ctx = ctx;
        this.ended = new boolean[n];
        this.remaining = n;
    }

    /** Submits every choice; if one is refused (queue full, context), the ones already queued are cancelled. */
    static GenerationRun start(ServerContext ctx, int[] prompt, int n, IntFunction<GenerationRequest> requests) {
        GenerationRun run = new GenerationRun(ctx, n);
        // Registered before submitting, so a shutdown that starts meanwhile sees (and waits for) it.
        ctx.active.add(run);
        try {
            for (int i = 0; i < n; i++) {
                Submission s = ctx.service.submit(prompt, requests.apply(i), run.listener(i));
                run.submissions.add(s);
            }
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        if (ctx.aborting) {
            run.abort();
        }
        return run;
    }

    private StepListener listener(int choice) {
        return new StepListener() {
            @Override
            public void onPromptCached(int cachedTokens) {
                events.add(new Event.Cached(choice, cachedTokens));
            }

            @Override
            public void onStep(GenerationStep step) {
                events.add(new Event.Step(choice, step));
            }

            @Override
            public void onFinish(FinishReason reason) {
                events.add(new Event.Finished(choice, reason));
            }

            @Override
            public void onError(RuntimeException error) {
                events.add(new Event.Failed(choice, error));
            }
        };
    }

    /** The next event, blocking; null once every choice has ended. */
    Event next() throws InterruptedException {
        while (remaining > 0) {
            if (aborted) {
                // Jump the backlog of steps: a shutdown ends the stream now.
                for (int i = 0; i < ended.length; i++) {
                    if (!ended[i]) {
                        ended[i] = true;
                        remaining--;
                        return new Event.Aborted(i);
                    }
                }
            }
            Event e = events.poll(50, TimeUnit.MILLISECONDS);
            if (e == null) {
                e = abortedChoice();
            }
            if (e != null && ended[e.choice()]) {
                continue; // e.g. a late event after abort()
            }
            if (e != null) {
                if (e instanceof Event.Finished || e instanceof Event.Failed || e instanceof Event.Aborted) {
                    ended[e.choice()] = true;
                    remaining--;
                }
                return e;
            }
        }
        return null;
    }

    /** A choice whose submission is done although its last event never came (cancelled elsewhere). */
    private Event abortedChoice() {
        for (int i = 0; i < submissions.size(); i++) {
            // Listener calls happen before isDone turns true, so an empty queue after isDone means none is coming.
            if (!ended[i] && submissions.get(i).isDone() && events.isEmpty()) {
                return new Event.Aborted(i);
            }
        }
        return null;
    }

    /**
     * Shutdown: cancels every choice; the consumer's next call ends each at once with {@link Event.Aborted},
     * without waiting for the engine to notice or for queued steps. Called from another thread.
     */
    void abort() {
        submissions.forEach(Submission::cancel);
        aborted = true;
    }

    /** Cancels what still runs and forgets the submissions; idempotent. */
    @Override
    public void close() {
        submissions.forEach(Submission::cancel);
        ctx.active.remove(this);
    }
}
