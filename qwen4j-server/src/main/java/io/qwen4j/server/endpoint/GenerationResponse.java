package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.ClientWatch;
import io.qwen4j.server.http.Responses;
import io.qwen4j.server.http.SseStream;
import io.qwen4j.server.openai.GenerationOptions;
import io.qwen4j.server.openai.OpenAiJson;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One generation request answered, whole or streamed: runs the {@code n} choices, feeds their events to the
 * endpoint's {@link ResponseShape}, and writes OpenAI's envelope, chunks, usage and errors. Chat and
 * completions differ only in their shape.
 */
public final class GenerationResponse {

    /** The fields every response and chunk of one request repeats. */
    record Envelope(GenerationEndpoint.Route route, String id, long created, String model) {
        static Envelope now(GenerationEndpoint.Route route, String model) {
            return new Envelope(route, OpenAiJson.id(route.idPrefix()), System.currentTimeMillis() / 1000, model);
        }

        ObjectNode whole() {
            return object(route.object());
        }

        ObjectNode chunk() {
            return object(route.chunkObject());
        }

        private ObjectNode object(String object) {
            ObjectNode o = OpenAiJson.object();
            o.put("id", id).put("object", object).put("created", created).put("model", model);
            o.put("system_fingerprint", "qwen4j");
            return o;
        }
    }

    private final ServerContext ctx;
    private final Envelope envelope;
    private final GenerationOptions options;
    private final ResponseShape shape;
    private final RunEvents events;

    GenerationResponse(ServerContext ctx, Envelope envelope, GenerationOptions options,
            ResponseShape shape, long arrivedNanos) {
        this.ctx = ctx;
        this.envelope = envelope;
        this.options = options;
        this.shape = shape;
        this.events = new RunEvents(ctx, envelope.route().path(), arrivedNanos);
    }

    /** Generates {@code options.n()} choices of {@code prompt} and answers; returns the status written. */
    int send(HttpExchange ex, int[] prompt, IntFunction<GenerationRequest> requests) throws IOException {
        try (GenerationRun run = GenerationRun.start(ctx, prompt, options.n(), requests)) {
            ctx.metrics.promptTokens(prompt.length * options.n());
            return options.stream() ? stream(ex, run) : whole(ex, run.watching(ClientWatch.of(ex)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the server is shutting down");
        }
    }

    private int whole(HttpExchange ex, GenerationRun run) throws IOException, InterruptedException {
        events.consume(run, listener(null, (choice, error) -> {
            throw error;
        }));
        ObjectNode body = envelope.whole();
        ArrayNode choices = body.putArray("choices");
        for (int i = 0; i < options.n(); i++) {
            choices.addObject().put("index", i).setAll(shape.whole(i));
        }
        body.set("usage", shape.usage(events.cachedTokens()));
        return Responses.json(ex, 200, body);
    }

    private int stream(HttpExchange ex, GenerationRun run) throws IOException, InterruptedException {
        SseStream sse = new SseStream(ex, ctx.metrics);
        for (int i = 0; i < options.n(); i++) {
            int choice = i;
            shape.opening(i).forEach(body -> sse.send(chunk(choice, body)));
        }
        events.consume(run, listener(sse::send, (choice, error) -> sse.send(Responses.errorBody(error))));
        if (options.includeUsage()) {
            ObjectNode last = envelope.chunk();
            last.putArray("choices");
            last.set("usage", shape.usage(events.cachedTokens()));
            sse.send(last);
        }
        sse.done();
        return 200;
    }

    /** Ends a choice that failed or was aborted: the whole response throws, a stream sends an error event. */
    private interface Failure {
        void fail(int choice, ApiException error);
    }

    /** The shape's bodies for each event; {@code out} receives the chunks to stream (null: whole response). */
    private RunEvents.Listener listener(Consumer<ObjectNode> out, Failure failure) {
        return new RunEvents.Listener() {
            @Override
            public void step(int choice, GenerationStep step) {
                emit(out, choice, shape.step(choice, step));
            }

            @Override
            public void finish(int choice, FinishReason reason) {
                emit(out, choice, shape.finish(choice, reason));
            }

            @Override
            public void fail(int choice, ApiException error) {
                failure.fail(choice, error);
            }
        };
    }

    private void emit(Consumer<ObjectNode> out, int choice, List<ObjectNode> bodies) {
        if (out == null) {
            return;
        }
        bodies.forEach(body -> out.accept(chunk(choice, body)));
    }

    private ObjectNode chunk(int choice, ObjectNode body) {
        ObjectNode chunk = envelope.chunk();
        chunk.putArray("choices").addObject().put("index", choice).setAll(body);
        if (options.includeUsage()) {
            chunk.putNull("usage");
        }
        return chunk;
    }
}
