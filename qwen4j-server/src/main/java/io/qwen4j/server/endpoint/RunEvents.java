package io.qwen4j.server.endpoint;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.Endpoint;

/**
 * A {@link GenerationRun}'s events walked for whatever writes the response: the prompt tokens the prefix cache
 * supplied and the token metrics (time to first token, tokens) are kept here, the rest goes to the {@link Listener}.
 */
final class RunEvents {

    /** What a response writer does with each choice's steps, its end, and its failure (or abort). */
    interface Listener {
        void step(int choice, GenerationStep step);

        void finish(int choice, FinishReason reason);

        void fail(int choice, ApiException error);
    }

    private final ServerContext ctx;
    private final String path;
    private final long arrivedNanos;
    private int cachedTokens;
    private boolean firstTokenSeen;

    RunEvents(ServerContext ctx, String path, long arrivedNanos) {
        this.ctx = ctx;
        this.path = path;
        this.arrivedNanos = arrivedNanos;
    }

    /** Feeds every event of {@code run} to {@code listener} until the run ends. */
    void consume(GenerationRun run, Listener listener) throws InterruptedException {
        for (GenerationRun.Event e; (e = run.next()) != null; ) {
            int choice = e.choice();
            switch (e) {
                case GenerationRun.Event.Cached c -> {
                    ctx.metrics.cachedTokens(c.tokens());
                    cachedTokens = choice == 0 ? c.tokens() : cachedTokens;
                }
                case GenerationRun.Event.Step s -> {
                    tokenArrived();
                    listener.step(choice, s.step());
                }
                case GenerationRun.Event.Finished f -> listener.finish(choice, f.reason());
                case GenerationRun.Event.Failed f -> {
                    ctx.log.warn(path + " choice " + choice + " failed: " + f.error().getMessage());
                    listener.fail(choice, Endpoint.toApi(f.error()));
                }
                case GenerationRun.Event.Aborted a -> listener.fail(choice, a.reason());
            }
        }
    }

    /** The prompt tokens of the first choice that came from the prefix cache ({@code cached_tokens}). */
    int cachedTokens() {
        return cachedTokens;
    }

    private void tokenArrived() {
        if (!firstTokenSeen) {
            firstTokenSeen = true;
            ctx.metrics.timeToFirstToken(System.nanoTime() - arrivedNanos);
        }
        ctx.metrics.completionToken();
    }
}
