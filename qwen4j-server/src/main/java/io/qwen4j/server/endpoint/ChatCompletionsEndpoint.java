package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.constrain.ToolCallConstraints;
import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ToolCall;
import io.qwen4j.chat.thinking.ThinkingBudget;
import io.qwen4j.chat.thinking.ThinkingBudgetHook;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.StepHook;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.server.ReasoningField;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.ChatChoice;
import io.qwen4j.server.generation.OutputText;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.ChatPrompt;
import io.qwen4j.server.openai.GenerationOptions;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.server.openai.ResponseFormats;
import io.qwen4j.server.openai.ToolChoices;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** {@code POST /v1/chat/completions}, streamed (SSE chunks) or whole. */
public final class ChatCompletionsEndpoint extends GenerationEndpoint {

    static final Route ROUTE = new Route("/v1/chat/completions", "chatcmpl-", "chat.completion", "chat.completion.chunk");

    public ChatCompletionsEndpoint(ServerContext ctx) {
        super(ctx, ROUTE);
    }

    @Override
    protected Plan plan(RequestFields f) {
        ChatPrompt prompt = ChatPrompt.build(ctx.model, f);
        boolean logprobs = f.bool("logprobs").orElse(false);
        int topLogprobs = f.integer("top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS).orElse(0);
        if (topLogprobs > 0 && !logprobs) {
            throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        SamplingParams defaults = ctx.model.samplingDefaults().forMode(prompt.thinking());
        GenerationOptions options = GenerationOptions.read(f, defaults, topLogprobs, prompt.tokens().length,
                ctx.service.contextLength(), ctx.model.tokenizer().size(), "max_completion_tokens", "max_tokens");
        boolean parallelCalls = f.bool("parallel_tool_calls").orElse(true);

        Tokenizer tokenizer = ctx.model.tokenizer();
        var mode = prompt.analysis().reasoningMode();
        Supplier<StepHook> thinkingHook = prompt.thinkingBudget().isPresent() && prompt.thinking()
                ? () -> new ThinkingBudgetHook(ThinkingBudget.of(mode, prompt.thinkingBudget().getAsInt()), tokenizer)
                : null;
        Optional<JsonNode> schema = ResponseFormats.schema(f);
        boolean forcedCall = prompt.toolChoice().forcesCall();
        Supplier<TokenConstraint> constraint = constraint(prompt, forcedCall, schema, parallelCalls);
        if (constraint != null) {
            try {
                constraint.get(); // what the constraint cannot enforce is this request's 400, not a failed stream
            } catch (InvalidInputException e) {
                throw ApiException.badRequest(forcedCall ? "tool_choice" : "response_format", e.getMessage());
            }
        }
        var requests = options.requests(ctx.model.endOfTurnIds(), tokenizer, thinkingHook, constraint);
        List<OutputText> texts = outputTexts(options, logprobs);
        List<ChatChoice> choices = new ArrayList<>();
        for (int i = 0; i < options.n(); i++) {
            choices.add(new ChatChoice(i, texts.get(i), ChatOutputParser.create(mode, prompt.callFormat(), prompt.tools()),
                    mode, parallelCalls));
        }
        var shape = new ChatShape(choices, prompt.tokens().length, logprobs, ctx.options.reasoningField());
        return new Plan(prompt.tokens(), options, requests, shape);
    }

    /**
     * One constraint per choice (each keeps its own parse state), or null: a forced tool call
     * ({@code tool_choice} required or named) in the template's call format; else, with a
     * {@code response_format} schema, an answer that is that JSON or, when tools may be called, a call.
     */
    private Supplier<TokenConstraint> constraint(ChatPrompt prompt, boolean forcedCall, Optional<JsonNode> schema,
                                                 boolean parallelCalls) {
        Tokenizer tokenizer = ctx.model.tokenizer();
        var mode = prompt.analysis().reasoningMode();
        var eot = ctx.model.endOfTurnIds();
        if (forcedCall) {
            return () -> ToolChoices.constraintFor(prompt.toolChoice(), prompt.tools(), prompt.callFormat(), mode, parallelCalls,
                    tokenizer, eot);
        }
        return schema.<Supplier<TokenConstraint>>map(s -> () -> ToolCallConstraints.answer(s, prompt.tools(), prompt.callFormat(),
                parallelCalls, mode, tokenizer, eot)).orElse(null);
    }

    /** Choices as chat messages: reasoning, content and tool calls, streamed as deltas. */
    private record ChatShape(List<ChatChoice> choices, int promptTokens, boolean logprobs, ReasoningField reasoningField)
            implements ResponseShape {

        @Override
        public List<ObjectNode> opening(int choice) {
            return List.of(ResponseShape.body("delta", OpenAiJson.object().put("role", "assistant").put("content", ""),
                    null, null));
        }

        @Override
        public List<ObjectNode> step(int choice, GenerationStep step) {
            ChatChoice c = choices.get(choice);
            return deltas(c, c.step(step));
        }

        @Override
        public List<ObjectNode> finish(int choice, FinishReason reason) {
            ChatChoice c = choices.get(choice);
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
            if (!logprobs) {
                return null;
            }
            var entries = choice.text.takeNewLogprobs();
            return entries.isEmpty() ? null : OpenAiJson.chatLogprobs(entries);
        }

        @Override
        public ObjectNode whole(int choice) {
            ChatChoice c = choices.get(choice);
            ParsedMessage m = c.message();
            ObjectNode message = OpenAiJson.object().put("role", "assistant");
            message.put("content", m.content() == null && m.toolCalls().isEmpty() ? "" : m.content());
            reasoningField.names.forEach(name -> message.put(name, m.reasoningContent()));
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                m.toolCalls().stream().map(ToolCall::toJson).forEach(calls::add);
            }
            return ResponseShape.body("message", message,
                    logprobs ? OpenAiJson.chatLogprobs(c.text.logprobs()) : null, m.finishReason());
        }

        @Override
        public ObjectNode usage(int cachedTokens) {
            int completion = 0;
            int reasoning = 0;
            for (ChatChoice c : choices) {
                completion += c.text.tokens();
                reasoning += c.reasoningTokens();
            }
            return OpenAiJson.usage(promptTokens, completion, cachedTokens, reasoning);
        }
    }
}
