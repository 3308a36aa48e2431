package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/completions}: a raw prompt (text, parsed for special tokens, or token ids) continued
 * with no chat template; streamed or whole, with {@code echo} and the legacy {@code logprobs} shape.
 */
final class CompletionsEndpoint extends Endpoint {

    static final String PATH = "/v1/completions";

    CompletionsEndpoint(ServerContext ctx) {
        super(ctx, Set.of("POST"), false);
    }

    private record Job(String id, long created, String model, int[] prompt, String echo, GenerationOptions options,
                       boolean logprobs, List<OutputText> choices, StringBuilder[] texts, long arrivedNanos) {
    }

    @Override
    protected int serve(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        RequestFields f = readFields(ex);
        String model = ctx.resolveModel(f.string("model"));
        Tokenizer tokenizer = ctx.model.tokenizer();
        int[] prompt = prompt(f, tokenizer);
        boolean echo = f.bool("echo").orElse(false);
        var logprobCount = f.integer("logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
        SamplingParams defaults = ctx.model.samplingDefaults().forMode(false);
        GenerationOptions options = GenerationOptions.read(f, defaults, logprobCount.orElse(0), prompt.length,
                ctx.service.contextLength(), "max_tokens");
        logUnknown(PATH, f);
        List<OutputText> choices = new ArrayList<>();
        StringBuilder[] texts = new StringBuilder[options.n()];
        for (int i = 0; i < options.n(); i++) {
            choices.add(new OutputText(tokenizer, ctx.model.endOfTurnIds(), options.stops(), logprobCount.isPresent()));
            texts[i] = new StringBuilder();
        }
        Job job = new Job(OpenAiJson.id("cmpl-"), System.currentTimeMillis() / 1000, model, prompt,
                echo ? tokenizer.decode(prompt) : "", options, logprobCount.isPresent(), choices, texts, arrived);
        var requests = options.requests(ctx.model.endOfTurnIds(), tokenizer, null, null);
        try (GenerationRun run = GenerationRun.start(ctx, prompt, options.n(), requests)) {
            ctx.metrics.promptTokens(prompt.length * options.n());
            return options.stream() ? stream(ex, job, run) : complete(ex, job, run);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the server is shutting down");
        }
    }

    /** A string, one-string array, token id array, or one token id array; several prompts are refused. */
    private static int[] prompt(RequestFields f, Tokenizer tokenizer) {
        JsonNode p = f.raw("prompt").orElseThrow(() -> ApiException.badRequest("prompt", "'prompt' is required"));
        if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            p = p.get(0);
        } else if (p.isArray() && !p.isEmpty() && !p.get(0).isNumber()) {
            throw ApiException.badRequest("prompt", "one prompt per request is supported; got " + p.size());
        }
        int[] ids;
        if (p.isTextual()) {
            ids = tokenizer.encode(p.asText(), true);
        } else if (p.isArray()) {
            ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = p.get(i);
                if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= tokenizer.size()) {
                    throw ApiException.badRequest("prompt", "prompt[" + i + "] is not a token id in [0, "
                            + tokenizer.size() + "): " + id);
                }
                ids[i] = id.asInt();
            }
        } else {
            throw ApiException.wrongType("prompt", "a string or an array of token ids", RequestFields.kind(p));
        }
        if (ids.length == 0) {
            throw ApiException.badRequest("prompt", "the prompt is empty");
        }
        return ids;
    }

    private int complete(HttpExchange ex, Job job, GenerationRun run) throws IOException, InterruptedException {
        int cached = 0;
        boolean first = true;
        String[] reasons = new String[job.choices.size()];
        for (GenerationRun.Event e; (e = run.next()) != null; ) {
            OutputText text = job.choices.get(e.choice());
            StringBuilder out = job.texts[e.choice()];
            switch (e) {
                case GenerationRun.Event.Cached c -> cached = cached(c, cached);
                case GenerationRun.Event.Step s -> {
                    first = tokenArrived(job, first);
                    out.append(text.step(s.step()));
                }
                case GenerationRun.Event.Finished fin -> {
                    out.append(text.finish());
                    reasons[fin.choice()] = text.stopped() ? "stop" : fin.reason().openAiName;
                }
                case GenerationRun.Event.Failed fail -> throw fail.error();
                case GenerationRun.Event.Aborted a -> throw ApiException.unavailable("the server is shutting down");
            }
        }
        ObjectNode body = envelope(job);
        ArrayNode array = body.putArray("choices");
        for (int i = 0; i < job.choices.size(); i++) {
            ObjectNode item = array.addObject();
            item.put("index", i).put("text", job.echo + job.texts[i]);
            setLogprobs(item, job, job.choices.get(i).logprobs(), job.echo.length());
            item.put("finish_reason", reasons[i]);
        }
        body.set("usage", usage(job, cached));
        return Responses.json(ex, 200, body);
    }

    private int stream(HttpExchange ex, Job job, GenerationRun run) throws IOException, InterruptedException {
        SseStream sse = new SseStream(ex, ctx.metrics);
        if (!job.echo.isEmpty()) {
            for (int i = 0; i < job.choices.size(); i++) {
                sse.send(chunk(job, i, job.echo, null, null));
            }
        }
        int cached = 0;
        boolean first = true;
        int[] offsets = new int[job.choices.size()];
        for (GenerationRun.Event e; (e = run.next()) != null; ) {
            int i = e.choice();
            OutputText text = job.choices.get(i);
            switch (e) {
                case GenerationRun.Event.Cached c -> cached = cached(c, cached);
                case GenerationRun.Event.Step s -> {
                    first = tokenArrived(job, first);
                    String piece = text.step(s.step());
                    if (!piece.isEmpty()) {
                        sse.send(chunk(job, i, piece, newLogprobs(job, text, offsets, i), null));
                    }
                }
                case GenerationRun.Event.Finished fin -> {
                    String rest = text.finish();
                    sse.send(chunk(job, i, rest, newLogprobs(job, text, offsets, i),
                            text.stopped() ? "stop" : fin.reason().openAiName));
                }
                case GenerationRun.Event.Failed fail -> {
                    ctx.log.warn(PATH + " choice " + i + " failed: " + fail.error().getMessage());
                    sse.send(Responses.errorBody(toApi(fail.error())));
                }
                case GenerationRun.Event.Aborted a -> sse.send(Responses.errorBody(
                        ApiException.unavailable("the server is shutting down; generation was cancelled")));
            }
        }
        if (job.options.includeUsage()) {
            ObjectNode last = envelope(job);
            last.putArray("choices");
            last.set("usage", usage(job, cached));
            sse.send(last);
        }
        sse.done();
        return 200;
    }

    private int cached(GenerationRun.Event.Cached c, int cached) {
        ctx.metrics.cachedTokens(c.tokens());
        return c.choice() == 0 ? c.tokens() : cached;
    }

    private ObjectNode newLogprobs(Job job, OutputText text, int[] offsets, int i) {
        if (!job.logprobs) {
            return null;
        }
        var entries = text.takeNewLogprobs();
        ObjectNode node = OpenAiJson.completionLogprobs(entries, job.echo.length() + offsets[i]);
        entries.forEach(en -> offsets[i] += en.token().length());
        return node;
    }

    private void setLogprobs(ObjectNode item, Job job, List<OutputText.TokenLogprob> entries, int offset) {
        if (job.logprobs) {
            item.set("logprobs", OpenAiJson.completionLogprobs(entries, offset));
        } else {
            item.putNull("logprobs");
        }
    }

    private boolean tokenArrived(Job job, boolean first) {
        if (first) {
            ctx.metrics.timeToFirstToken(System.nanoTime() - job.arrivedNanos);
        }
        ctx.metrics.completionToken();
        return false;
    }

    private ObjectNode chunk(Job job, int index, String text, ObjectNode logprobs, String finishReason) {
        ObjectNode chunk = envelope(job);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index).put("text", text);
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

    private static ObjectNode envelope(Job job) {
        ObjectNode o = OpenAiJson.object();
        o.put("id", job.id).put("object", "text_completion").put("created", job.created).put("model", job.model);
        o.put("system_fingerprint", "qwen4j");
        return o;
    }

    private static ObjectNode usage(Job job, int cached) {
        int completion = job.choices.stream().mapToInt(OutputText::tokens).sum();
        return OpenAiJson.usage(job.prompt.length, completion, cached, null);
    }
}
