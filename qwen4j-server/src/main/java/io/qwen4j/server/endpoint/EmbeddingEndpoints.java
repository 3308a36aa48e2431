package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.Pooling;
import io.qwen4j.embed.Reranker;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.ClientWatch;
import io.qwen4j.server.http.Endpoint;
import io.qwen4j.server.openai.OpenAiJson;
import io.qwen4j.server.openai.RequestFields;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code POST /v1/embeddings} (OpenAI's shape) and {@code POST /v1/rerank} (llama-server's and Jina's shape, also at
 * {@code /rerank}), each a {@link io.qwen4j.server.http.JsonRoute.Answer}.
 *
 * <p>Inputs run one at a time through a KV cache (F16) of the request's own ({@link Embedder.Session}: last-token inputs
 * and rerank prompts reuse the positions they share with the input before), between the generation loop's steps (the
 * model's lock is taken per pass of {@link Embedder#CHUNK_TOKENS} tokens): one request's cache at a time bounds the
 * memory they take, and running streams keep stepping while an input is embedded. Inputs may be as long as the
 * server's context ({@code --ctx}).
 */
public final class EmbeddingEndpoints {

    /** OpenAI's limit on inputs per embeddings request, and here on documents per rerank request. */
    static final int MAX_INPUTS = 2048;
    private static final ReentrantLock ONE_AT_A_TIME = new ReentrantLock();

    private EmbeddingEndpoints() {
    }

    /**
     * {@code {"input": string | [string] | [id] | [[id]], "encoding_format"?: "float" | "base64", "dimensions"?}} →
     * {@code {"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}}.
     * Text inputs get the file's pooling (else last-token, Qwen3-Embedding's) and unit length; {@code dimensions}
     * keeps a prefix, rescaled (Matryoshka); {@code base64} is the little-endian float32 bytes.
     */
    public static JsonNode embeddings(ServerContext ctx, RequestFields f, ClientWatch client) {
        String model = ctx.resolveModel(f.string("model"));
        Pooling pooling = ctx.model.embedding().embeddingPooling();
        if (pooling == Pooling.RANK || pooling == Pooling.NONE) {
            throw ApiException.badRequest("model", "model '" + model + "' has pooling '" + pooling.id()
                    + "' and gives no embeddings" + (pooling == Pooling.RANK ? ": it is a reranker, use /v1/rerank" : ""));
        }
        List<int[]> inputs = inputs(ctx, f.required("input"), pooling);
        String format = f.string("encoding_format").orElse("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.badRequest("encoding_format", "encoding_format must be 'float' or 'base64', got '" + format + "'");
        }
        int hidden = ctx.model.config().hiddenSize();
        var dimensions = f.integer("dimensions", 1, hidden);
        f.string("user");
        ctx.logUnknown("/v1/embeddings", f);
        ObjectNode body = OpenAiJson.object();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        int tokens = 0;
        Embedder embedder = embedder(ctx);
        // last-token inputs that share their first tokens (Qwen3-Embedding queries share their instruction) run
        // through one KV cache, each from where it leaves the one before: the same vectors
        Embedder.Session session = embedder.session(inputs, pooling);
        for (int i = 0; i < inputs.size(); i++) {
            int[] input = inputs.get(i);
            Runnable hook = stopIfGone(ctx, client);
            float[] v = run(() -> session.embed(input, true, hook));
            if (dimensions.isPresent()) {
                v = Embedder.truncate(v, dimensions.getAsInt(), true);
            }
            tokens += input.length;
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (format.equals("base64")) {
                ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(v);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float x : v) {
                    values.add(x);
                }
            }
        }
        body.put("model", model);
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return body;
    }

    /**
     * {@code {"query", "documents": [string | {"text"}], "top_n"?, "return_documents"?, "instruction"?}} →
     * {@code {"object": "list", "model", "results": [{"index", "relevance_score", "document"?: {"text"}}], "usage"}},
     * most relevant first. The score is Qwen3-Reranker's P(yes) ({@link Reranker}); {@code instruction} (an extension)
     * is its {@code <Instruct>}.
     */
    public static JsonNode rerank(ServerContext ctx, RequestFields f, ClientWatch client) {
        String model = ctx.resolveModel(f.string("model"));
        String query = f.requiredString("query");
        List<String> documents = documents(f.required("documents"));
        int topN = f.integer("top_n", 1, Integer.MAX_VALUE).orElse(documents.size());
        boolean returnDocuments = f.bool("return_documents").orElse(false);
        Optional<String> instruction = f.string("instruction");
        ctx.logUnknown("/v1/rerank", f);
        Embedder embedder = embedder(ctx);
        Reranker reranker = new Reranker(ctx.model.model(), ctx.model.tokenizer(), ctx.model.embedding(), embedder);
        record Scored(int index, double score) {
        }
        List<Scored> scored = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        int tokens = 0;
        for (String document : documents) {
            int[] prompt = reranker.tokens(query, document, instruction);
            prompts.add(prompt);
            tokens += prompt.length;
        }
        // the prompts share the judging prompt and the query: each runs from where it leaves the one before
        Reranker.Scorer scorer = reranker.scorer(prompts);
        for (int i = 0; i < documents.size(); i++) {
            int[] prompt = prompts.get(i);
            try {
                scored.add(new Scored(i, run(() -> scorer.score(prompt, stopIfGone(ctx, client)))));
            } catch (ContextOverflowException e) {
                // the embedder's own length check, told which document it was
                throw ApiException.badRequest("documents", "document " + i + " with the query makes a prompt of "
                        + e.length() + " tokens; at most " + e.capacity() + " fit the context");
            }
        }
        scored.sort(Comparator.comparingDouble(Scored::score).reversed());
        ObjectNode body = OpenAiJson.object();
        body.put("object", "list");
        body.put("model", model);
        ArrayNode results = body.putArray("results");
        for (Scored s : scored.subList(0, Math.min(topN, scored.size()))) {
            ObjectNode item = results.addObject().put("index", s.index()).put("relevance_score", s.score());
            if (returnDocuments) {
                item.putObject("document").put("text", documents.get(s.index()));
            }
        }
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return body;
    }

    /**
     * Checked before every forward pass: an input of many passes, or a request of many inputs, stops within one pass
     * of its client leaving (the check polls the socket at most every 0.1 s).
     */
    private static Runnable stopIfGone(ServerContext ctx, ClientWatch client) {
        return () -> {
            if (client.gone()) {
                ctx.metrics.clientDisconnected();
                throw new Endpoint.ClientGoneException(null);
            }
        };
    }

    private static Embedder embedder(ServerContext ctx) {
        return new Embedder(ctx.model.model(), KvCacheType.F16, ctx.service.contextLength());
    }

    /** Runs one input's passes while no other embedding or rerank input runs. */
    private static <T> T run(java.util.function.Supplier<T> work) {
        ONE_AT_A_TIME.lock();
        try {
            return work.get();
        } finally {
            ONE_AT_A_TIME.unlock();
        }
    }

    /** OpenAI's four input forms as token lists: a string, strings, token ids, lists of token ids. */
    private static List<int[]> inputs(ServerContext ctx, JsonNode input, Pooling pooling) {
        List<int[]> out = new ArrayList<>();
        int vocabulary = ctx.model.config().vocabSize();
        if (input.isArray() && input.isEmpty()) {
            throw ApiException.badRequest("input", "'input' is an empty array");
        }
        if (input.isTextual()) {
            out.add(text(ctx, input.asText(), pooling, "input"));
        } else if (input.isArray()) {
            if (input.size() > MAX_INPUTS) {
                throw ApiException.badRequest("input", "'input' holds " + input.size() + " entries; at most " + MAX_INPUTS);
            }
            if (input.get(0).isIntegralNumber()) {
                out.add(RequestFields.tokenIds("input", input, vocabulary));
            } else {
                for (int i = 0; i < input.size(); i++) {
                    JsonNode item = input.get(i);
                    String where = "input[" + i + "]";
                    if (item.isTextual()) {
                        out.add(text(ctx, item.asText(), pooling, where));
                    } else if (item.isArray() && !item.isEmpty()) {
                        out.add(RequestFields.tokenIds(where, item, vocabulary));
                    } else {
                        throw ApiException.wrongType(where, "a string or a non-empty array of token ids", RequestFields.kind(item));
                    }
                }
            }
        } else {
            throw ApiException.wrongType("input", "a string, an array of strings or of token ids", RequestFields.kind(input));
        }
        return out;
    }

    private static int[] text(ServerContext ctx, String text, Pooling pooling, String where) {
        if (text.isEmpty()) {
            throw ApiException.badRequest("input", "'" + where + "' is an empty string");
        }
        return Embedder.textTokens(ctx.model.tokenizer(), text, pooling);
    }

    /** Documents as strings or {@code {"text": ...}} objects (Jina's and Cohere's forms). */
    private static List<String> documents(JsonNode node) {
        if (!node.isArray()) {
            throw ApiException.wrongType("documents", "an array of strings", RequestFields.kind(node));
        }
        if (node.isEmpty()) {
            throw ApiException.badRequest("documents", "'documents' is empty");
        }
        if (node.size() > MAX_INPUTS) {
            throw ApiException.badRequest("documents", "'documents' holds " + node.size() + " entries; at most " + MAX_INPUTS);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (item.isTextual()) {
                out.add(item.asText());
            } else if (item.isObject() && item.path("text").isTextual()) {
                out.add(item.get("text").asText());
            } else {
                throw ApiException.wrongType("documents[" + i + "]", "a string or an object with a 'text' string", RequestFields.kind(item));
            }
        }
        return out;
    }
}
