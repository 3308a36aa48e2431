package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.anthropic.MessagesRequest;
import io.qwen4j.server.generation.ChatChoice;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.Endpoint;
import io.qwen4j.server.http.Responses;
import io.qwen4j.server.http.SseStream;
import io.qwen4j.server.openai.ChatPrompt;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code POST /v1/messages}, Anthropic's Messages API (what Claude Code and Anthropic's SDKs speak), whole or streamed
 * as its typed events, and {@code POST /v1/messages/count_tokens}. The body is read as chat fields
 * ({@link MessagesRequest}) and planned as a chat request ({@link ChatPlan}); the answer is written as content blocks
 * ({@link MessageBlocks}). Errors take Anthropic's shape, {@code {"type": "error", "error": {"type", "message"}}}.
 */
public final class MessagesEndpoint extends Endpoint {

    static final String PATH = "/v1/messages";
    static final String COUNT = PATH + "/count_tokens";

    public MessagesEndpoint(ServerContext ctx) {
        super(ctx, Set.of("POST"), false);
    }

    @Override
    protected ObjectNode errorBody(ApiException e) {
        ObjectNode body = OpenAiJson.object().put("type", "error");
        body.putObject("error").put("type", errorType(e.status())).put("message", e.getMessage());
        return body;
    }

    private static String errorType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    @Override
    protected int serve(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        RequestFields f = readFields(ex);
        String model = ctx.resolveModel(f.string("model"));
        if (path.equals(COUNT)) {
            ChatPrompt prompt = ChatPrompt.build(ctx.model, MessagesRequest.toChat(f, false, new ArrayList<>()));
            ctx.logUnknown(COUNT, f);
            return Responses.json(ex, 200, OpenAiJson.object().put("input_tokens", prompt.tokens().length));
        }
        if (!path.equals(PATH)) {
            throw ApiException.notFound("no route " + path + " (the Messages API here is " + PATH + " and " + COUNT + ")");
        }
        List<String> skipped = new ArrayList<>();
        ChatPlan plan = ChatPlan.read(ctx, MessagesRequest.toChat(f, true, skipped), 0, false, "max_tokens");
        ctx.logUnknown(PATH, f);
        ctx.logSkippedTools(PATH, skipped);
        var writer = new Writer(plan, model, new RunEvents(ctx, PATH, arrived));
        return plan.answer(ctx, ex, writer);
    }

    /** The one choice's deltas as content blocks and, when streaming, as events. */
    private final class Writer implements ChatPlan.OneAnswer {
        private final ChatPlan plan;
        private final ChatChoice choice;
        private final String id = OpenAiJson.id("msg_");
        private final String model;
        private final MessageBlocks blocks = new MessageBlocks();
        private final RunEvents run;
        private boolean started;

        Writer(ChatPlan plan, String model, RunEvents run) {
            this.plan = plan;
            this.choice = plan.choices().getFirst();
            this.model = model;
            this.run = run;
        }

        @Override
        public int whole(HttpExchange ex, GenerationRun generation) throws IOException, InterruptedException {
            run.consume(generation, listener(event -> { }, error -> {
                throw error;
            }));
            ObjectNode message = message();
            message.set("content", blocks.content());
            message.put("stop_reason", stopReason());
            message.put("stop_sequence", choice.text.stopString());
            return Responses.json(ex, 200, message);
        }

        @Override
        public int stream(HttpExchange ex, GenerationRun generation) throws IOException, InterruptedException {
            SseStream sse = new SseStream(ex, ctx.metrics);
            Consumer<ObjectNode> send = sse::sendTyped;
            run.consume(generation, listener(send, error -> {
                ObjectNode event = OpenAiJson.object().put("type", "error");
                event.set("error", errorBody(error).get("error"));
                send.accept(event);
            }));
            sse.end();
            return 200;
        }

        /** {@code message_start} before the first block: by then the prompt's cached share is known. */
        private void start(Consumer<ObjectNode> send) {
            if (!started) {
                started = true;
                ObjectNode message = message();
                message.putArray("content");
                message.putNull("stop_reason");
                message.putNull("stop_sequence");
                ObjectNode event = OpenAiJson.object().put("type", "message_start");
                event.set("message", message);
                send.accept(event);
            }
        }

        private RunEvents.Listener listener(Consumer<ObjectNode> send, Consumer<ApiException> failure) {
            return new RunEvents.Listener() {
                @Override
                public void step(int index, GenerationStep step) {
                    start(send);
                    blocks.take(choice.step(step)).forEach(send);
                }

                @Override
                public void finish(int index, FinishReason reason) {
                    start(send);
                    blocks.take(choice.finish(reason)).forEach(send);
                    blocks.close().forEach(send);
                    ObjectNode delta = OpenAiJson.object().put("type", "message_delta");
                    delta.putObject("delta").put("stop_reason", stopReason()).put("stop_sequence", choice.text.stopString());
                    delta.putObject("usage").put("output_tokens", plan.completionTokens());
                    send.accept(delta);
                    send.accept(OpenAiJson.object().put("type", "message_stop"));
                }

                @Override
                public void fail(int index, ApiException error) {
                    failure.accept(error);
                }
            };
        }

        /** The message without its content and stop fields: id, type, role, model, usage. */
        private ObjectNode message() {
            ObjectNode m = OpenAiJson.object().put("id", id).put("type", "message").put("role", "assistant").put("model", model);
            int cached = run.cachedTokens();
            // Anthropic's input_tokens leaves out what the cache supplied (cache_read_input_tokens)
            m.putObject("usage").put("input_tokens", plan.promptTokens() - cached).put("output_tokens", plan.completionTokens())
                    .put("cache_read_input_tokens", cached).put("cache_creation_input_tokens", 0);
            return m;
        }

        private String stopReason() {
            return switch (choice.finishReason()) {
                case "tool_calls" -> "tool_use";
                case "length" -> "max_tokens";
                default -> choice.text.stopString() != null ? "stop_sequence" : "end_turn";
            };
        }
    }
}
