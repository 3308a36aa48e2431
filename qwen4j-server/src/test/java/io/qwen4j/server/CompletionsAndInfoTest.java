package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Raw completions, the model list, health, metrics and llama-server's tokenizer routes. */
class CompletionsAndInfoTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start(ServerOptions.loopback().withAliases(List.of("qwen-alias"), false), 512, 64);
        client = server.client();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static CompletionCreateParams.Builder params(String prompt) {
        return CompletionCreateParams.builder().model(CompletionCreateParams.Model.of(TestServer.MODEL_NAME))
                .prompt(prompt).maxTokens(8).temperature(0.0);
    }

    @Test
    void completionContinuesTheRawPromptWithoutTemplate() {
        Completion c = client.completions().create(params("The capital of France is").build());
        var usage = c.usage().orElseThrow();
        assertEquals(server.model.tokenizer().encode("The capital of France is", true).length, usage.promptTokens());
        assertEquals(8, usage.completionTokens());
        assertEquals("length", c.choices().getFirst().finishReason().asString());
        // Greedy and deterministic: the streamed pieces concatenate to the same text.
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params("The capital of France is").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(ch -> streamed.append(ch.text())));
        }
        assertEquals(c.choices().getFirst().text(), streamed.toString());
        Completion echoed = client.completions().create(params("The capital of France is").echo(true).build());
        assertEquals("The capital of France is" + c.choices().getFirst().text(), echoed.choices().getFirst().text());
    }

    @Test
    void completionLogprobsUseTheLegacyShape() throws Exception {
        var r = server.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 4, \"temperature\": 0, \"logprobs\": 2}");
        JsonNode lp = JSON.readTree(r.body()).get("choices").get(0).get("logprobs");
        assertEquals(4, lp.get("tokens").size(), r.body());
        assertEquals(4, lp.get("token_logprobs").size());
        assertEquals(2, lp.get("top_logprobs").get(0).size());
        assertEquals(0, lp.get("text_offset").get(0).asInt());
        double best = lp.get("top_logprobs").get(0).properties().stream().mapToDouble(e -> e.getValue().asDouble()).max().orElseThrow();
        assertEquals(best, lp.get("token_logprobs").get(0).asDouble(), 1e-6);
    }

    @Test
    void logitBiasForcesAndBansTokens() throws Exception {
        var tokenizer = server.model.tokenizer();
        int paris = tokenizer.encode(" Paris", false)[0];
        int rome = tokenizer.encode(" Rome", false)[0];
        String body = "{\"prompt\": \"The capital is\", \"max_tokens\": 1, \"temperature\": 0, \"logit_bias\": ";
        var forced = server.post("/v1/completions", body + "{\"" + paris + "\": 100, \"" + rome + "\": 99.5}}");
        assertEquals(tokenizer.decode(new int[] {paris}), JSON.readTree(forced.body()).at("/choices/0/text").asText(), forced.body());
        var banned = server.post("/v1/completions", body + "{\"" + paris + "\": -100, \"" + rome + "\": 99.5}}");
        assertEquals(tokenizer.decode(new int[] {rome}), JSON.readTree(banned.body()).at("/choices/0/text").asText(), banned.body());
        for (String bad : List.of("{\"x\": 1}", "{\"-1\": 1}", "{\"999999\": 1}", "{\"5\": 100.5}", "{\"5\": \"a\"}", "[1]")) {
            var r = server.post("/v1/completions", body + bad + "}");
            assertEquals(400, r.statusCode(), bad + " -> " + r.body());
            assertEquals("logit_bias", JSON.readTree(r.body()).at("/error/param").asText(), r.body());
        }
    }

    @Test
    void tokenIdPromptsAreAccepted() throws Exception {
        int[] ids = server.model.tokenizer().encode("Hello", true);
        var r = server.post("/v1/completions", "{\"prompt\": " + java.util.Arrays.toString(ids) + ", \"max_tokens\": 2}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(ids.length, JSON.readTree(r.body()).get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void modelsListTheIdAndAliases() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of(TestServer.MODEL_NAME, "qwen-alias"), ids);
        var p = com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("qwen-alias")
                .addUserMessage("hi").maxCompletionTokens(1).build();
        assertEquals("qwen-alias", client.chat().completions().create(p).model());
    }

    @Test
    void healthAndMetrics() throws InterruptedException {
        assertEquals("{\"status\":\"ok\"}", server.get("/health").body());
        client.completions().create(params("Count me").build());
        // The request counter moves once the exchange has closed, a moment after the client holds its answer.
        String counted = "qwen4j_requests_total{route=\"/v1/completions\",status=\"200\"}";
        ErrorResponsesTest.waitFor(() -> server.get("/metrics").body().contains(counted));
        String metrics = server.get("/metrics").body();
        assertTrue(metrics.contains("# TYPE qwen4j_time_to_first_token_seconds histogram"), metrics);
        assertTrue(metrics.contains("qwen4j_requests_running 0"), metrics);
        assertTrue(metrics.contains("qwen4j_kv_cache_blocks_used 0"), metrics);
        long completion = metric(metrics, "qwen4j_completion_tokens_total");
        assertTrue(completion >= 8, metrics);
        assertTrue(metric(metrics, "qwen4j_prompt_tokens_total") >= 2, metrics);
    }

    static long metric(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + " ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 1)))
                .findFirst().orElseThrow();
    }

    @Test
    void tokenizeDetokenizeAndApplyTemplate() throws Exception {
        String text = "Hello <|im_start|>world";
        JsonNode tokens = JSON.readTree(server.post("/tokenize", "{\"content\": \"" + text + "\"}").body()).get("tokens");
        int[] expected = server.model.tokenizer().encode(text, true);
        assertEquals(expected.length, tokens.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], tokens.get(i).asInt());
        }
        JsonNode pieces = JSON.readTree(server.post("/tokenize", "{\"content\": \"Hi\", \"with_pieces\": true}").body()).get("tokens");
        assertEquals("Hi", pieces.get(0).get("piece").asText());
        JsonNode back = JSON.readTree(server.post("/detokenize", "{\"tokens\": " + tokens + "}").body());
        assertEquals(text, back.get("content").asText());

        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]";
        String withTools = JSON.readTree(server.post("/apply-template", "{" + msgs + ", \"tools\": " + tools + "}").body()).get("prompt").asText();
        assertTrue(withTools.contains("<tools>") && withTools.contains("get_weather"), withTools);
        String none = JSON.readTree(server.post("/apply-template", "{" + msgs + ", \"tools\": " + tools
                + ", \"tool_choice\": \"none\"}").body()).get("prompt").asText();
        assertTrue(!none.contains("<tools>") && none.endsWith("<|im_start|>assistant\n"), none);
        String off = JSON.readTree(server.post("/apply-template", "{" + msgs
                + ", \"chat_template_kwargs\": {\"enable_thinking\": false}}").body()).get("prompt").asText();
        assertTrue(off.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), off);
    }

    @Test
    void jinjaSyntaxInAMessageReachesThePromptAsText() throws Exception {
        // The template engine once re-rendered printed values: this came out as "What does 49 print? ".
        String content = "What does {{ 7*7 }} print? {% if true %}X{% endif %} {{";
        var r = server.post("/apply-template", "{\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.writeValueAsString(content) + "}]}");
        assertEquals(200, r.statusCode(), r.body());
        String prompt = JSON.readTree(r.body()).get("prompt").asText();
        assertTrue(prompt.contains("<|im_start|>user\n" + content + "<|im_end|>"), prompt);
    }
}
