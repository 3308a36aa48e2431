package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.OutputText;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.GenerationOptions;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * {@code POST /v1/completions}: a raw prompt (text, parsed for special tokens, or token ids) continued
 * with no chat template; streamed or whole, with {@code echo} and the legacy {@code logprobs} shape.
 */
public final class CompletionsEndpoint extends GenerationEndpoint {

    static final Route ROUTE = new Route("/v1/completions", "cmpl-", "text_completion", "text_completion");

    public CompletionsEndpoint(ServerContext ctx) {
        super(ctx, ROUTE);
    }

    @Override
    protected String promptField() {
        return "prompt";
    }

    @Override
    protected Plan plan(RequestFields f) {
        Tokenizer tokenizer = ctx.model.tokenizer();
        int[] prompt = prompt(f, tokenizer);
        boolean echo = f.bool("echo").orElse(false);
        var logprobCount = f.integer("logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
        SamplingParams defaults = ctx.model.samplingDefaults().forMode(false);
        GenerationOptions options = GenerationOptions.read(f, defaults, logprobCount.orElse(0), prompt.length,
                ctx.service.contextLength(), tokenizer.size(), "max_tokens");
        var shape = new TextShape(outputTexts(ctx, options, logprobCount.isPresent()), prompt.length,
                echo ? tokenizer.decode(prompt) : "", logprobCount.isPresent());
        return new Plan(prompt, options, options.requests(ctx.model.endOfTurnIds(), tokenizer, null, null), shape);
    }

    /** A string, one-string array, token id array, or one token id array; several prompts are refused. */
    private static int[] prompt(RequestFields f, Tokenizer tokenizer) {
        JsonNode p = f.required("prompt");
        if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            p = p.get(0);
        } else if (p.isArray() && !p.isEmpty() && !p.get(0).isNumber()) {
            throw ApiException.badRequest("prompt", "one prompt per request is supported; got " + p.size());
        }
        int[] ids;
        if (p.isTextual()) {
            ids = tokenizer.encode(p.asText(), true);
        } else if (p.isArray()) {
            ids = RequestFields.tokenIds("prompt", p, tokenizer.size());
        } else {
            throw ApiException.wrongType("prompt", "a string or an array of token ids", RequestFields.kind(p));
        }
        if (ids.length == 0) {
            throw ApiException.badRequest("prompt", "the prompt is empty");
        }
        return ids;
    }

    /**
     * Choices as legacy completions: plain text after the optional echo of the prompt, log-probabilities as
     * parallel arrays whose {@code text_offset} counts from the start of the echo.
     */
    private static final class TextShape implements ResponseShape {
        private final List<OutputText> texts;
        private final int promptTokens;
        private final String echo;
        private final boolean logprobs;
        private final StringBuilder[] answers;
        private final String[] finishReasons;
        /** Characters of each choice's answer already covered by streamed log-probabilities. */
        private final int[] logprobOffsets;

        TextShape(List<OutputText> texts, int promptTokens, String echo, boolean logprobs) {
            this.texts = texts;
            this.promptTokens = promptTokens;
            this.echo = echo;
            this.logprobs = logprobs;
            this.answers = new StringBuilder[texts.size()];
            Arrays.setAll(answers, i -> new StringBuilder());
            this.finishReasons = new String[texts.size()];
            this.logprobOffsets = new int[texts.size()];
        }

        @Override
        public List<ObjectNode> opening(int choice) {
            return echo.isEmpty() ? List.of() : List.of(body(echo, null, null));
        }

        @Override
        public List<ObjectNode> step(int choice, GenerationStep step) {
            String piece = texts.get(choice).step(step);
            answers[choice].append(piece);
            return piece.isEmpty() ? List.of() : List.of(body(piece, newLogprobs(choice), null));
        }

        @Override
        public List<ObjectNode> finish(int choice, FinishReason reason) {
            OutputText text = texts.get(choice);
            String rest = text.finish();
            answers[choice].append(rest);
            finishReasons[choice] = text.stopped() ? "stop" : reason.openAiName;
            return List.of(body(rest, newLogprobs(choice), finishReasons[choice]));
        }

        private ObjectNode newLogprobs(int choice) {
            if (!logprobs) {
                return null;
            }
            var entries = texts.get(choice).takeNewLogprobs();
            ObjectNode node = OpenAiJson.completionLogprobs(entries, echo.length() + logprobOffsets[choice]);
            entries.forEach(e -> logprobOffsets[choice] += e.token().length());
            return node;
        }

        @Override
        public ObjectNode whole(int choice) {
            ObjectNode logprobNode = logprobs
                    ? OpenAiJson.completionLogprobs(texts.get(choice).logprobs(), echo.length()) : null;
            return body(echo + answers[choice], logprobNode, finishReasons[choice]);
        }

        private static ObjectNode body(String text, ObjectNode logprobs, String finishReason) {
            return ResponseShape.body("text", TextNode.valueOf(text), logprobs, finishReason);
        }

        @Override
        public ObjectNode usage(int cachedTokens) {
            int completion = texts.stream().mapToInt(OutputText::tokens).sum();
            return OpenAiJson.usage(promptTokens, completion, cachedTokens, null);
        }
    }
}
