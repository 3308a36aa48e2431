package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.Pooling;
import io.qwen4j.embed.Reranker;
import io.qwen4j.engine.KvCacheType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/embeddings} through the official OpenAI SDK and {@code /v1/rerank} over HTTP: each vector and score is
 * what the engine's {@link Embedder} and {@link Reranker} give for the same tokens (those are checked against the
 * double-precision reference in the core tests), in the request's order and shape.
 */
class EmbeddingsSdkTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static OpenAIClient client;
    static Embedder embedder;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        client = server.client();
        embedder = new Embedder(server.model.model(), KvCacheType.F16, 512);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static float[] expected(String text) {
        return embedder.embed(Embedder.textTokens(server.model.tokenizer(), text, Pooling.LAST), Pooling.LAST, true);
    }

    @Test
    void sdkEmbeddingsAreTheEnginesLastTokenVectorsInOrder() {
        List<String> texts = List.of("The cat sat on the mat.", "量子コンピュータ", "fn main() {}");
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model(TestServer.MODEL_NAME).inputOfArrayOfStrings(texts).build());
        assertEquals(texts.size(), r.data().size());
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            var item = r.data().get(i);
            assertEquals(i, item.index());
            float[] want = expected(texts.get(i));
            List<Float> got = item.embedding();
            assertEquals(want.length, got.size());
            double squares = 0;
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], got.get(j), 0f, "text " + i + " value " + j);
                squares += got.get(j) * got.get(j);
            }
            assertEquals(1.0, squares, 1e-5, "unit length");
            tokens += Embedder.textTokens(server.model.tokenizer(), texts.get(i), Pooling.LAST).length;
        }
        assertEquals(tokens, r.usage().promptTokens());
        assertEquals(tokens, r.usage().totalTokens());
    }

    @Test
    void base64AndDimensionsAreThePrefixRescaled() throws Exception {
        var response = server.post("/v1/embeddings", "{\"input\": \"hello\", \"encoding_format\": \"base64\", \"dimensions\": 16}");
        assertEquals(200, response.statusCode(), response.body());
        byte[] bytes = Base64.getDecoder().decode(JSON.readTree(response.body()).at("/data/0/embedding").asText());
        float[] got = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        float[] full = expected("hello");
        double norm = 0;
        for (int i = 0; i < 16; i++) {
            norm += (double) full[i] * full[i];
        }
        assertEquals(16, got.length);
        for (int i = 0; i < 16; i++) {
            assertEquals(full[i] / Math.sqrt(norm), got[i], 1e-6, "value " + i);
        }
    }

    @Test
    void tokenIdInputsAreEmbeddedAsGiven() throws Exception {
        var response = server.post("/v1/embeddings", "{\"input\": [[9707, 1879], [151643]]}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode data = JSON.readTree(response.body()).get("data");
        float[] want = embedder.embed(new int[] {9707, 1879}, Pooling.LAST, true);
        for (int j = 0; j < want.length; j++) {
            assertEquals(want[j], data.get(0).get("embedding").get(j).floatValue(), 0f);
        }
        assertEquals(3, JSON.readTree(response.body()).at("/usage/prompt_tokens").asInt());
    }

    @Test
    void rerankSortsByTheEnginesScoresAndKeepsTopN() throws Exception {
        List<String> docs = List.of("Java is a programming language.", "Bananas are yellow.", "The JVM runs bytecode.");
        var response = server.post("/v1/rerank", "{\"model\": \"" + TestServer.MODEL_NAME + "\", \"query\": \"What is Java?\","
                + " \"documents\": [\"" + docs.get(0) + "\", {\"text\": \"" + docs.get(1) + "\"}, \"" + docs.get(2) + "\"],"
                + " \"top_n\": 2, \"return_documents\": true}");
        assertEquals(200, response.statusCode(), response.body());
        var reranker = new Reranker(server.model.model(), server.model.tokenizer(), EmbeddingSettings.NONE, embedder);
        double[] scores = new double[docs.size()];
        for (int i = 0; i < docs.size(); i++) {
            scores[i] = reranker.score(reranker.tokens("What is Java?", docs.get(i), Optional.empty()));
        }
        JsonNode results = JSON.readTree(response.body()).get("results");
        assertEquals(2, results.size(), "top_n");
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode r : results) {
            int index = r.get("index").asInt();
            double score = r.get("relevance_score").asDouble();
            assertEquals(scores[index], score, 0.0, "document " + index);
            assertTrue(score <= previous, "most relevant first");
            assertTrue(score > 0 && score < 1);
            assertEquals(docs.get(index), r.at("/document/text").asText());
            previous = score;
        }
        double best = Math.max(scores[0], Math.max(scores[1], scores[2]));
        assertEquals(best, results.get(0).get("relevance_score").asDouble(), 0.0);
        assertEquals(server.post("/rerank", "{\"query\": \"q\", \"documents\": [\"d\"]}").statusCode(), 200, "llama-server's path");
    }

    /**
     * Embeddings run between the generation loop's steps on the same model: neither disturbs the other (a greedy
     * completion gives the text it gives alone; every vector is the engine's).
     */
    @Test
    void embeddingsWhileACompletionStreamsChangeNeither() throws Exception {
        String completion = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 48, \"temperature\": 0, \"ignore_eos\": true}";
        String alone = JSON.readTree(server.post("/v1/completions", completion).body()).at("/choices/0/text").asText();
        var running = java.util.concurrent.CompletableFuture.supplyAsync(() -> server.post("/v1/completions", completion));
        float[] want = expected("while generating");
        for (int round = 0; round < 6; round++) {
            var response = server.post("/v1/embeddings", "{\"input\": \"while generating\"}");
            JsonNode values = JSON.readTree(response.body()).at("/data/0/embedding");
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], values.get(j).floatValue(), 0f, "round " + round + " value " + j);
            }
        }
        assertEquals(alone, JSON.readTree(running.get().body()).at("/choices/0/text").asText());
    }

    @Test
    void badEmbeddingAndRerankRequestsAre400sNamingTheField() throws Exception {
        String[][] cases = {
            {"/v1/embeddings", "{\"input\": \"\"}", "input"},
            {"/v1/embeddings", "{\"input\": []}", "input"},
            {"/v1/embeddings", "{\"input\": 5}", "input"},
            {"/v1/embeddings", "{\"input\": [1, 999999999]}", "input"},
            {"/v1/embeddings", "{\"input\": \"x\", \"dimensions\": 0}", "dimensions"},
            {"/v1/embeddings", "{\"input\": \"x\", \"encoding_format\": \"int8\"}", "encoding_format"},
            {"/v1/rerank", "{\"documents\": [\"d\"]}", "query"},
            {"/v1/rerank", "{\"query\": \"q\", \"documents\": []}", "documents"},
            {"/v1/rerank", "{\"query\": \"q\", \"documents\": [3]}", "documents[0]"},
            {"/v1/rerank", "{\"query\": \"q\", \"documents\": [\"d\"], \"top_n\": 0}", "top_n"},
        };
        for (String[] c : cases) {
            var response = server.post(c[0], c[1]);
            assertEquals(400, response.statusCode(), c[1] + " -> " + response.body());
            assertEquals(c[2], JSON.readTree(response.body()).at("/error/param").asText(), c[1]);
        }
        var tooLong = server.post("/v1/embeddings", "{\"input\": \"" + "word ".repeat(600) + "\"}");
        assertEquals(400, tooLong.statusCode(), tooLong.body());
        assertTrue(JSON.readTree(tooLong.body()).at("/error/message").asText().contains("at most 512"), tooLong.body());
    }
}
