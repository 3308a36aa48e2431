package io.qwen4j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.chat.parse.ChatOutputParser;
import io.qwen4j.chat.parse.Delta;
import io.qwen4j.chat.parse.ParsedMessage;
import io.qwen4j.chat.parse.ToolCall;
import io.qwen4j.chat.thinking.ThinkingBudget;
import io.qwen4j.chat.thinking.ThinkingBudgetHook;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.StepHook;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** {@code POST /v1/chat/completions}, streamed (SSE chunks) or whole. */
final class ChatCompletionsEndpoint extends Endpoint {

    static final String PATH = "/v1/chat/completions";

    ChatCompletionsEndpoint(ServerContext ctx) {
        super(ctx, Set.of("POST"), false);
    }

    /** Everything one response needs besides the generated tokens. */
    private record Job(String id, long created, String model, ChatPrompt prompt, GenerationOptions options,
                       boolean logprobs, List<ChatChoice> choices, long arrivedNanos) {
    }

    @Override
    protected int serve(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        RequestFields f = readFields(ex);
        String model = ctx.resolveModel(f.string("model"));
        ChatPrompt prompt = ChatPrompt.build(ctx.model, f);
        boolean logprobs = f.bool("logprobs").orElse(false);
        int topLogprobs = f.integer("top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS).orElse(0);
        if (topLogprobs > 0 && !logprobs) {
            throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        SamplingParams defaults = ctx.model.samplingDefaults().forMode(prompt.thinking());
        GenerationOptions options = GenerationOptions.read(f, defaults, topLogprobs, prompt.tokens().length,
                ctx.service.contextLength(), "max_completion_tokens", "max_tokens");
        boolean parallelCalls = f.bool("parallel_tool_calls").orElse(true);
        logUnknown(PATH, f);

        Tokenizer tokenizer = ctx.model.tokenizer();
        var mode = prompt.analysis().reasoningMode();
        Supplier<StepHook> thinkingHook = prompt.thinkingBudget().isPresent() && prompt.thinking()
                ? () -> new ThinkingBudgetHook(ThinkingBudget.of(mode, prompt.thinkingBudget().getAsInt()), tokenizer)
                : null;
        var requests = options.requests(ctx.model.endOfTurnIds(), tokenizer, thinkingHook,
                () -> ToolChoices.constraintFor(prompt.toolChoice(), prompt.tools(), prompt.callFormat(), mode, parallelCalls,
                        tokenizer, ctx.model.endOfTurnIds()));
        List<ChatChoice> choices = new ArrayList<>();
        for (int i = 0; i < options.n(); i++) {
            OutputText text = new OutputText(tokenizer, ctx.model.endOfTurnIds(), options.stops(), logprobs);
            choices.add(new ChatChoice(i, text, ChatOutputParser.create(mode, prompt.callFormat(), prompt.tools()),
                    mode, parallelCalls));
        }
        Job job = new Job(OpenAiJson.id("chatcmpl-"), System.currentTimeMillis() / 1000, model, prompt, options,
                logprobs, choices, arrived);
        try (GenerationRun run = GenerationRun.start(ctx, prompt.tokens(), options.n(), requests)) {
            ctx.metrics.promptTokens(prompt.tokens().length * options.n());
            return options.stream() ? stream(ex, job, run) : complete(ex, job, run);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the server is shutting down");
        }
    }

    private int complete(HttpExchange ex, Job job, GenerationRun run) throws IOException, InterruptedException {
        int cached = 0;
        boolean first = true;
        for (GenerationRun.Event e; (e = run.next()) != null; ) {
            ChatChoice choice = job.choices.get(e.choice());
            switch (e) {
                case GenerationRun.Event.Cached c -> {
                    ctx.metrics.cachedTokens(c.tokens());
                    cached = c.choice() == 0 ? c.tokens() : cached;
                }
                case GenerationRun.Event.Step s -> {
                    first = tokenArrived(job, first);
                    choice.step(s.step());
                }
                case GenerationRun.Event.Finished fin -> choice.finish(fin.reason());
                case GenerationRun.Event.Failed fail -> throw fail.error();
                case GenerationRun.Event.Aborted a -> throw ApiException.unavailable("the server is shutting down");
            }
        }
        ObjectNode body = envelope(job, "chat.completion");
        ArrayNode array = body.putArray("choices");
        for (ChatChoice choice : job.choices) {
            ParsedMessage m = choice.message();
            ObjectNode item = array.addObject().put("index", choice.index);
            ObjectNode message = item.putObject("message").put("role", "assistant");
            message.put("content", m.content() == null && m.toolCalls().isEmpty() ? "" : m.content());
            ctx.options.reasoningField().names.forEach(name -> message.put(name, m.reasoningContent()));
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                m.toolCalls().stream().map(ToolCall::toJson).forEach(calls::add);
            }
            if (job.logprobs) {
                item.set("logprobs", OpenAiJson.chatLogprobs(choice.text.logprobs()));
            } else {
                item.putNull("logprobs");
            }
            item.put("finish_reason", m.finishReason());
        }
        body.set("usage", usage(job, cached));
        return Responses.json(ex, 200, body);
    }

    private int stream(HttpExchange ex, Job job, GenerationRun run) throws IOException, InterruptedException {
        SseStream sse = new SseStream(ex, ctx.metrics);
        for (ChatChoice choice : job.choices) {
            ObjectNode delta = OpenAiJson.object().put("role", "assistant").put("content", "");
            sse.send(chunk(job, choice.index, delta, null, null));
        }
        int cached = 0;
        boolean first = true;
        for (GenerationRun.Event e; (e = run.next()) != null; ) {
            ChatChoice choice = job.choices.get(e.choice());
            switch (e) {
                case GenerationRun.Event.Cached c -> {
                    ctx.metrics.cachedTokens(c.tokens());
                    cached = c.choice() == 0 ? c.tokens() : cached;
                }
                case GenerationRun.Event.Step s -> {
                    first = tokenArrived(job, first);
                    sendDeltas(sse, job, choice, choice.step(s.step()));
                }
                case GenerationRun.Event.Finished fin -> {
                    sendDeltas(sse, job, choice, choice.finish(fin.reason()));
                    sse.send(chunk(job, choice.index, OpenAiJson.object(), logprobs(job, choice), choice.finishReason()));
                }
                case GenerationRun.Event.Failed fail -> {
                    ctx.log.warn(PATH + " choice " + fail.choice() + " failed: " + fail.error().getMessage());
                    sse.send(Responses.errorBody(toApi(fail.error())));
                }
                case GenerationRun.Event.Aborted a -> sse.send(Responses.errorBody(
                        ApiException.unavailable("the server is shutting down; generation was cancelled")));
            }
        }
        if (job.options.includeUsage()) {
            ObjectNode last = envelope(job, "chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", usage(job, cached));
            sse.send(last);
        }
        sse.done();
        return 200;
    }

    private boolean tokenArrived(Job job, boolean first) {
        if (first) {
            ctx.metrics.timeToFirstToken(System.nanoTime() - job.arrivedNanos);
        }
        ctx.metrics.completionToken();
        return false;
    }

    private void sendDeltas(SseStream sse, Job job, ChatChoice choice, List<Delta> deltas) {
        for (Delta d : deltas) {
            ObjectNode delta = switch (d) {
                case Delta.Reasoning r -> {
                    ObjectNode o = OpenAiJson.object();
                    ctx.options.reasoningField().names.forEach(name -> o.put(name, r.text()));
                    yield o;
                }
                default -> d.toJson();
            };
            sse.send(chunk(job, choice.index, delta, logprobs(job, choice), null));
        }
    }

    /** The log-probabilities of tokens not yet reported, or null when none are due. */
    private static ObjectNode logprobs(Job job, ChatChoice choice) {
        if (!job.logprobs) {
            return null;
        }
        var entries = choice.text.takeNewLogprobs();
        return entries.isEmpty() ? null : OpenAiJson.chatLogprobs(entries);
    }

    private ObjectNode chunk(Job job, int index, ObjectNode delta, ObjectNode logprobs, String finishReason) {
        ObjectNode chunk = envelope(job, "chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        if (logprobs == null) {
            choice.putNull("logprobs");
        } else {
            choice.set("logprobs", logprobs);
        }
        choice.put("finish_reason", finishReason);
        if (job.options.includeUsage()) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private ObjectNode envelope(Job job, String object) {
        ObjectNode o = OpenAiJson.object();
        o.put("id", job.id).put("object", object).put("created", job.created).put("model", job.model);
        o.put("system_fingerprint", "qwen4j");
        return o;
    }

    private ObjectNode usage(Job job, int cached) {
        int completion = 0;
        int reasoning = 0;
        for (ChatChoice c : job.choices) {
            completion += c.text.tokens();
            reasoning += c.reasoningTokens();
        }
        return OpenAiJson.usage(job.prompt.tokens().length, completion, cached, reasoning);
    }
}
