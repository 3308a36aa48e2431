package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.ChatChoice;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.generation.OutputText;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.Endpoint;
import io.qwen4j.server.http.Responses;
import io.qwen4j.server.http.SseStream;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.server.openai.ResponseStore;
import io.qwen4j.server.openai.ResponsesRequest;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code POST /v1/responses}, OpenAI's Responses API, whole or streamed as typed events: the request is read as chat
 * fields ({@link ResponsesRequest}) and planned as a chat request ({@link ChatPlan}), and its one answer is written as
 * output items ({@link ResponseItems}): reasoning, the message (with its tokens' log-probabilities when asked),
 * function calls. Finished responses are kept in the
 * {@link ResponseStore} for {@code previous_response_id}, {@code GET} and {@code DELETE}.
 */
public final class ResponsesEndpoint extends Endpoint {

    static final String PATH = "/v1/responses";
    private static final String LOGPROBS = "message.output_text.logprobs";

    public ResponsesEndpoint(ServerContext ctx) {
        super(ctx, Set.of("POST", "GET", "DELETE"), false);
    }

    @Override
    protected String promptField() {
        return "input";
    }

    @Override
    protected int serve(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        if (path.startsWith(PATH + "/")) {
            return stored(ex, path.substring(PATH.length() + 1));
        }
        if (!path.equals(PATH)) {
            throw ApiException.notFound("no route " + path);
        }
        if (!ex.getRequestMethod().equals("POST")) {
            throw ApiException.methodNotAllowed(ex.getRequestMethod(), PATH);
        }
        RequestFields f = readFields(ex);
        String model = ctx.resolveModel(f.string("model"));
        // the answer's log-probabilities when 'include' asks for them, or 'top_logprobs' does
        int topLogprobs = f.integer("top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS).orElse(0);
        boolean logprobs = topLogprobs > 0 || f.stringOrStrings("include", 64).contains(LOGPROBS);
        ResponsesRequest request = ResponsesRequest.read(f, ctx.responses);
        ChatPlan plan = ChatPlan.read(ctx, request.chat(), topLogprobs, logprobs, "max_output_tokens");
        ctx.logUnknown(PATH, f);
        ctx.logSkippedTools(PATH, request.skippedTools());
        var writer = new Writer(plan, request, new ResponseEvents(model, request.settings(), plan.options().sampling()),
                new RunEvents(ctx, PATH, arrived));
        return plan.answer(ctx, ex, writer);
    }

    /** {@code GET} or {@code DELETE /v1/responses/ID}: a stored response, or OpenAI's deletion object. */
    private int stored(HttpExchange ex, String id) throws IOException {
        String method = ex.getRequestMethod();
        if (method.equals("GET")) {
            var response = ctx.responses.response(id).orElseThrow(() -> noSuchResponse(id));
            return Responses.json(ex, 200, response);
        }
        if (method.equals("DELETE")) {
            if (!ctx.responses.delete(id)) {
                throw noSuchResponse(id);
            }
            return Responses.json(ex, 200, OpenAiJson.object().put("id", id).put("object", "response").put("deleted", true));
        }
        throw ApiException.methodNotAllowed(method, PATH + "/" + id);
    }

    private static ApiException noSuchResponse(String id) {
        return ApiException.notFound("no stored response '" + id + "' (responses are kept in memory, the last "
                + ResponseStore.MAX_RESPONSES + ", not across restarts, and not with 'store': false)");
    }

    /** The one choice's deltas as items and, when streaming, as events; the finished response stored when asked. */
    private final class Writer implements ChatPlan.OneAnswer {
        private final ChatPlan plan;
        private final ResponsesRequest request;
        private final ChatChoice choice;
        private final ResponseEvents events;
        private final ResponseItems items;
        private final RunEvents run;
        /** Whether the run ended in a failure (streamed as {@code response.failed}, not completed). */
        private boolean failed;

        Writer(ChatPlan plan, ResponsesRequest request, ResponseEvents events, RunEvents run) {
            this.plan = plan;
            this.request = request;
            this.choice = plan.choices().getFirst();
            this.events = events;
            this.items = new ResponseItems(events);
            this.run = run;
        }

        @Override
        public int whole(HttpExchange ex, GenerationRun generation) throws IOException, InterruptedException {
            run.consume(generation, listener(event -> { }, error -> {
                throw error;
            }));
            return Responses.json(ex, 200, finalResponse());
        }

        @Override
        public int stream(HttpExchange ex, GenerationRun generation) throws IOException, InterruptedException {
            SseStream sse = new SseStream(ex, ctx.metrics);
            Consumer<ObjectNode> send = sse::sendTyped;
            ObjectNode started = events.response("in_progress", OpenAiJson.array(), null, null);
            send.accept(events.lifecycle("response.created", started.deepCopy()));
            send.accept(events.lifecycle("response.in_progress", started));
            run.consume(generation, listener(send, error -> {
                failed = true;
                send.accept(events.lifecycle("response.failed", events.response("failed", items.output(), usage(), error)));
            }));
            if (!failed) {
                ObjectNode response = finalResponse();
                String status = response.get("status").asText();
                send.accept(events.lifecycle(status.equals("incomplete") ? "response.incomplete" : "response.completed", response));
            }
            sse.end();
            return 200;
        }

        private RunEvents.Listener listener(Consumer<ObjectNode> send, Consumer<ApiException> failure) {
            return new RunEvents.Listener() {
                @Override
                public void step(int index, GenerationStep step) {
                    items.take(choice.step(step), newLogprobs()).forEach(send);
                }

                @Override
                public void finish(int index, FinishReason reason) {
                    items.take(choice.finish(reason), newLogprobs()).forEach(send);
                    items.close(incomplete() ? "incomplete" : "completed").forEach(send);
                }

                @Override
                public void fail(int index, ApiException error) {
                    failure.accept(error);
                }
            };
        }

        /** The log-probabilities of the tokens since the last call, when the request asked for them. */
        private List<OutputText.TokenLogprob> newLogprobs() {
            return plan.logprobs() ? choice.text.takeNewLogprobs() : List.of();
        }

        private boolean incomplete() {
            return choice.finishReason().equals("length");
        }

        /** The finished response, stored (with its conversation) unless the request said {@code store: false}. */
        private ObjectNode finalResponse() {
            ObjectNode response = events.response(incomplete() ? "incomplete" : "completed", items.output(), usage(), null);
            if (request.store()) {
                ArrayNode conversation = request.conversation().deepCopy();
                conversation.addAll(items.output().deepCopy());
                ctx.responses.put(response.get("id").asText(), response.deepCopy(), conversation);
            }
            return response;
        }

        private ObjectNode usage() {
            return ResponseEvents.usage(plan.promptTokens(), plan.completionTokens(), run.cachedTokens(), plan.reasoningTokens());
        }
    }
}
