package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.InvalidInputException;
import io.qwen4j.chat.constrain.ToolCallConstraints;
import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.thinking.ThinkingBudget;
import io.qwen4j.chat.thinking.ThinkingBudgetHook;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.StepHook;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.ChatChoice;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.http.ClientWatch;
import io.qwen4j.server.generation.OutputText;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.ChatPrompt;
import io.qwen4j.server.openai.GenerationOptions;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.server.openai.ResponseFormats;
import io.qwen4j.server.openai.ToolChoices;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A chat request read and planned, whatever API it came in ({@code /v1/chat/completions}, or {@code /v1/responses}
 * and {@code /v1/messages} rewritten as chat fields): the rendered prompt, the generation options, one request per
 * choice (thinking budget and any tool-call or schema constraint attached), and one {@link ChatChoice} per choice to
 * parse the output.
 */
record ChatPlan(ChatPrompt prompt, GenerationOptions options, IntFunction<GenerationRequest> requests,
                List<ChatChoice> choices, boolean logprobs) {

    /**
     * Reads the chat fields of {@code f}; {@code maxTokenFields} name the output limit, first one wins. A
     * constraint the request asks for but that cannot be enforced is a 400 here, not a failed stream later.
     */
    static ChatPlan read(ServerContext ctx, RequestFields f, int topLogprobs, boolean logprobs, String... maxTokenFields) {
        ChatPrompt prompt = ChatPrompt.build(ctx.model, f);
        SamplingParams defaults = ctx.model.samplingDefaults().forMode(prompt.thinking());
        GenerationOptions options = GenerationOptions.read(f, defaults, topLogprobs, prompt.tokens().length,
                ctx.service.contextLength(), ctx.model.tokenizer().size(), maxTokenFields);
        boolean parallelCalls = f.bool("parallel_tool_calls").orElse(true);

        Tokenizer tokenizer = ctx.model.tokenizer();
        var mode = prompt.analysis().reasoningMode();
        Supplier<StepHook> thinkingHook = prompt.thinkingBudget().isPresent() && prompt.thinking()
                ? () -> new ThinkingBudgetHook(ThinkingBudget.of(mode, prompt.thinkingBudget().getAsInt()), tokenizer)
                : null;
        Optional<JsonNode> schema = ResponseFormats.schema(f);
        boolean forcedCall = prompt.toolChoice().forcesCall();
        Supplier<TokenConstraint> constraint = constraint(ctx, prompt, forcedCall, schema, parallelCalls);
        if (constraint != null) {
            try {
                constraint.get();
            } catch (InvalidInputException e) {
                throw ApiException.badRequest(forcedCall ? "tool_choice" : "response_format", e.getMessage());
            }
        }
        var requests = options.requests(ctx.model.endOfTurnIds(), tokenizer, thinkingHook, constraint);
        List<OutputText> texts = GenerationEndpoint.outputTexts(ctx, options, logprobs);
        List<ChatChoice> choices = new ArrayList<>();
        for (int i = 0; i < options.n(); i++) {
            choices.add(new ChatChoice(i, texts.get(i), ChatOutputParser.create(mode, prompt.callFormat(), prompt.tools()),
                    mode, parallelCalls));
        }
        return new ChatPlan(prompt, options, requests, choices, logprobs);
    }

    /**
     * One constraint per choice (each keeps its own parse state), or null: a forced tool call
     * ({@code tool_choice} required or named) in the template's call format; else, with a
     * {@code response_format} schema, an answer that is that JSON or, when tools may be called, a call.
     */
    private static Supplier<TokenConstraint> constraint(ServerContext ctx, ChatPrompt prompt, boolean forcedCall,
                                                        Optional<JsonNode> schema, boolean parallelCalls) {
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

    /** How a route writes a single answer (no {@code n}), whole or streamed: {@code /v1/responses}, {@code /v1/messages}. */
    interface OneAnswer {
        int whole(HttpExchange ex, GenerationRun run) throws IOException, InterruptedException;

        int stream(HttpExchange ex, GenerationRun run) throws IOException, InterruptedException;
    }

    /** Runs the plan's one choice and lets {@code writer} answer; returns the status written. */
    int answer(ServerContext ctx, HttpExchange ex, OneAnswer writer) throws IOException {
        try (GenerationRun run = GenerationRun.start(ctx, prompt.tokens(), 1, requests)) {
            ctx.metrics.promptTokens(promptTokens());
            return options.stream() ? writer.stream(ex, run) : writer.whole(ex, run.watching(ClientWatch.of(ex)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the server is shutting down");
        }
    }

    int promptTokens() {
        return prompt.tokens().length;
    }

    /** Completion and reasoning tokens over all choices, for usage. */
    int completionTokens() {
        return choices.stream().mapToInt(c -> c.text.tokens()).sum();
    }

    int reasoningTokens() {
        return choices.stream().mapToInt(ChatChoice::reasoningTokens).sum();
    }
}
