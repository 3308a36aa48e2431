package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ToolCall;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.server.ReasoningField;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.ChatChoice;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/chat/completions}, streamed (SSE chunks) or whole. */
public final class ChatCompletionsEndpoint extends GenerationEndpoint {

    static final Route ROUTE = new Route("/v1/chat/completions", "chatcmpl-", "chat.completion", "chat.completion.chunk");

    public ChatCompletionsEndpoint(ServerContext ctx) {
        super(ctx, ROUTE);
    }

    @Override
    protected Plan plan(RequestFields f) {
        boolean logprobs = f.bool("logprobs").orElse(false);
        int topLogprobs = f.integer("top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS).orElse(0);
        if (topLogprobs > 0 && !logprobs) {
            throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        ChatPlan chat = ChatPlan.read(ctx, f, topLogprobs, logprobs, "max_completion_tokens", "max_tokens");
        var shape = new ChatShape(chat, ctx.options.reasoningField());
        return new Plan(chat.prompt().tokens(), chat.options(), chat.requests(), shape);
    }

    /** Choices as chat messages: reasoning, content and tool calls, streamed as deltas. */
    private record ChatShape(ChatPlan chat, ReasoningField reasoningField) implements ResponseShape {

        @Override
        public List<ObjectNode> opening(int choice) {
            return List.of(ResponseShape.body("delta", OpenAiJson.object().put("role", "assistant").put("content", ""),
                    null, null));
        }

        @Override
        public List<ObjectNode> step(int choice, GenerationStep step) {
            ChatChoice c = chat.choices().get(choice);
            return deltas(c, c.step(step));
        }

        @Override
        public List<ObjectNode> finish(int choice, FinishReason reason) {
            ChatChoice c = chat.choices().get(choice);
            List<ObjectNode> bodies = new ArrayList<>(deltas(c, c.finish(reason)));
            bodies.add(ResponseShape.body("delta", OpenAiJson.object(), newLogprobs(c), c.finishReason()));
            return bodies;
        }

        private List<ObjectNode> deltas(ChatChoice choice, List<Delta> deltas) {
            List<ObjectNode> bodies = new ArrayList<>(deltas.size());
            for (Delta d : deltas) {
                ObjectNode delta = switch (d) {
                    case Delta.Reasoning r -> {
                        ObjectNode o = OpenAiJson.object();
                        reasoningField.names.forEach(name -> o.put(name, r.text()));
                        yield o;
                    }
                    default -> d.toJson();
                };
                bodies.add(ResponseShape.body("delta", delta, newLogprobs(choice), null));
            }
            return bodies;
        }

        /** The log-probabilities of tokens not yet reported, or null when none are due. */
        private ObjectNode newLogprobs(ChatChoice choice) {
            if (!chat.logprobs()) {
                return null;
            }
            var entries = choice.text.takeNewLogprobs();
            return entries.isEmpty() ? null : OpenAiJson.chatLogprobs(entries);
        }

        @Override
        public ObjectNode whole(int choice) {
            ChatChoice c = chat.choices().get(choice);
            ParsedMessage m = c.message();
            ObjectNode message = OpenAiJson.object().put("role", "assistant");
            message.put("content", m.content() == null && m.toolCalls().isEmpty() ? "" : m.content());
            reasoningField.names.forEach(name -> message.put(name, m.reasoningContent()));
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                m.toolCalls().stream().map(ToolCall::toJson).forEach(calls::add);
            }
            return ResponseShape.body("message", message,
                    chat.logprobs() ? OpenAiJson.chatLogprobs(c.text.logprobs()) : null, m.finishReason());
        }

        @Override
        public ObjectNode usage(int cachedTokens) {
            return OpenAiJson.usage(chat.promptTokens(), chat.completionTokens(), cachedTokens, chat.reasoningTokens());
        }
    }
}
