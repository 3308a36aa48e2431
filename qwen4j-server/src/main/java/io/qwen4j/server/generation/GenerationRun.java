package io.qwen4j.server.generation;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.ClientWatch;
import io.qwen4j.server.http.Endpoint;
import io.qwen4j.serving.StepListener;
import io.qwen4j.serving.Submission;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The {@code n} submissions of one HTTP request and the events they produce, merged into one queue that the
 * request's (virtual) thread consumes. The engine thread only enqueues, so a slow client never stalls it.
 * A submission that ends without a terminal event (cancelled by shutdown) yields {@link Event.Aborted}.
 *
 * <p>The queue is bounded ({@link #UNREAD_STEPS_PER_CHOICE} steps a choice). A client that reads slower
 * than the engine writes is dropped when it is full: its submissions are cancelled, one log line says so,
 * and the response ends with an error. Pausing the generation instead would mean blocking the engine
 * thread, which the continuous-batching scheduler shares with every other request.
 */
public final class GenerationRun implements AutoCloseable {

    public sealed interface Event {
        int choice();

        record Cached(int choice, int tokens) implements Event {
        }

        record Step(int choice, GenerationStep step) implements Event {
        }

        record Finished(int choice, FinishReason reason) implements Event {
        }

        record Failed(int choice, RuntimeException error) implements Event {
        }

        /** Ended by the server, not the engine: shutdown or a client too slow to keep up. */
        record Aborted(int choice, ApiException reason) implements Event {
        }
    }

    /**
     * Steps a choice may have waiting for the client: about 20 s of output at 50 tokens/s on top of what
     * the socket buffers hold, at most a few hundred KB of events.
     */
    static final int UNREAD_STEPS_PER_CHOICE = 1024;

    private static final ApiException SHUTDOWN =
            ApiException.unavailable("the server is shutting down; generation was cancelled");
    private static final ApiException TOO_SLOW = ApiException.unavailable(
            "the client read the response too slowly; generation was cancelled");

    private final ServerContext ctx;
    private final BlockingQueue<Event> events;
    private final int stepCapacity;
    /** Written by the request thread, read by the engine thread (cancel on overflow) and by shutdown. */
    private final List<Submission> submissions = new CopyOnWriteArrayList<>();
    private final boolean[] ended;
    private int remaining;
    private volatile ApiException abortReason;
    private ClientWatch watch;

    private GenerationRun(ServerContext ctx, int n) {
        this.ctx = ctx;
        this.ended = new boolean[n];
        this.remaining = n;
        this.stepCapacity = UNREAD_STEPS_PER_CHOICE * n;
        // Room for every choice's Cached and terminal event besides the steps.
        this.events = new ArrayBlockingQueue<>(stepCapacity + 2 * n);
    }

    /** Submits every choice; if one is refused (queue full, context), the ones already queued are cancelled. */
    public static GenerationRun start(ServerContext ctx, int[] prompt, int n, IntFunction<GenerationRequest> requests) {
        GenerationRun run = new GenerationRun(ctx, n);
        // Registered before submitting, so a shutdown that starts meanwhile sees (and waits for) it.
        ctx.active.add(run);
        try {
            for (int i = 0; i < n; i++) {
                Submission s = ctx.service.submit(prompt, requests.apply(i), run.listener(i));
                run.submissions.add(s);
                if (run.abortReason != null) {
                    s.cancel(); // overflowed before it was listed (its steps can come before submit returns)
                }
            }
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        if (ctx.aborting()) {
            run.abort();
        }
        return run;
    }

    /** Polls {@code watch} while waiting for events: a client gone meanwhile ends the run. */
    public GenerationRun watching(ClientWatch watch) {
        this.watch = watch;
        return this;
    }

    private StepListener listener(int choice) {
        return new StepListener() {
            @Override
            public void onPromptCached(int cachedTokens) {
                enqueue(new Event.Cached(choice, cachedTokens));
            }

            @Override
            public void onStep(GenerationStep step) {
                if (events.size() >= stepCapacity) {
                    overflow();
                    return;
                }
                enqueue(new Event.Step(choice, step));
            }

            @Override
            public void onFinish(FinishReason reason) {
                enqueue(new Event.Finished(choice, reason));
            }

            @Override
            public void onError(RuntimeException error) {
                enqueue(new Event.Failed(choice, error));
            }
        };
    }

    private void enqueue(Event e) {
        if (!events.offer(e)) {
            overflow();
        }
    }

    /** Engine thread: the client fell too far behind; drop it rather than hold its output without limit. */
    private void overflow() {
        if (abortReason == null) {
            abortReason = TOO_SLOW;
            submissions.forEach(Submission::cancel);
            ctx.log.warn("dropping a client that reads too slowly: " + stepCapacity
                    + " generated tokens unread; its generation is cancelled");
        }
    }

    /**
     * The next event, blocking; null once every choice has ended. Throws {@link Endpoint.ClientGoneException}
     * when the {@linkplain #watching watched} client has disconnected.
     */
    public Event next() throws InterruptedException {
        while (remaining > 0) {
            ApiException reason = abortReason;
            if (reason != null) {
                // Jump the backlog of steps: the stream ends now.
                for (int i = 0; i < ended.length; i++) {
                    if (!ended[i]) {
                        ended[i] = true;
                        remaining--;
                        return new Event.Aborted(i, reason);
                    }
                }
            }
            if (watch != null && watch.gone()) {
                ctx.metrics.clientDisconnected();
                throw new Endpoint.ClientGoneException(null);
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

    /** Events waiting for the request's thread. */
    int unread() {
        return events.size();
    }

    /** A choice whose submission is done although its last event never came (cancelled elsewhere). */
    private Event abortedChoice() {
        for (int i = 0; i < submissions.size(); i++) {
            // Listener calls happen before isDone turns true, so an empty queue after isDone means none is coming.
            if (!ended[i] && submissions.get(i).isDone() && events.isEmpty()) {
                return new Event.Aborted(i, SHUTDOWN);
            }
        }
        return null;
    }

    /**
     * Shutdown: cancels every choice; the consumer's next call ends each at once with {@link Event.Aborted},
     * without waiting for the engine to notice or for queued steps. Called from another thread.
     */
    public void abort() {
        submissions.forEach(Submission::cancel);
        if (abortReason == null) {
            abortReason = SHUTDOWN;
        }
    }

    /** Cancels what still runs and forgets the submissions; idempotent. */
    @Override
    public void close() {
        submissions.forEach(Submission::cancel);
        ctx.active.remove(this);
    }
}
