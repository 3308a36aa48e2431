package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The output path with scripted model text (what a trained Qwen3 writes): a closed thought then an answer,
 * and Hermes tool calls, through the OpenAI SDK, streamed and whole; cached tokens reach usage.
 */
class ScriptedOutputTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static ScriptedService service;
    static OpenAiServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        var model = TestServer.sharedModel();
        service = new ScriptedService();
        service.endOfTurn = model.tokenizer().id("<|im_end|>").orElseThrow();
        server = OpenAiServer.start(model, service, ServerOptions.loopback(),
                new ServerLog(new PrintStream(new ByteArrayOutputStream())));
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("x").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void script(String text) throws Exception {
        service.script = TestServer.sharedModel().tokenizer().encode(text, true);
    }

    static ChatCompletionCreateParams.Builder withTools(String user) {
        FunctionParameters parameters = FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                .build();
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage(user)
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                        .name("get_weather").parameters(parameters).build()).build());
    }

    static final String TWO_CALLS = "<think>\nThe user wants weather.\n</think>\n\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>";

    /** A scheduler whose queue is full refuses with 429, a Retry-After header and OpenAI's error shape. */
    @Test
    void fullQueueIs429WithRetryAfter() throws Exception {
        service.queueFull = true;
        try {
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.url() + "/v1/chat/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"messages\": [{\"role\": \"user\", \"content\": \"y\"}], \"max_tokens\": 2}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(429, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent(), refused.headers().toString());
            JsonNode error = JSON.readTree(refused.body()).get("error");
            assertEquals("queue_full", error.get("code").asText(), refused.body());
            assertTrue(error.get("message").asText().contains("queue is full"), refused.body());
        } finally {
            service.queueFull = false;
        }
    }

    @Test
    void closedThoughtThenAnswerAndCachedTokens() throws Exception {
        script("<think>\nLet me think.\n</think>\n\nThe answer is 42.");
        service.cachedTokens = 5;
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(TestServer.MODEL_NAME).addUserMessage("Q").build());
        var choice = c.choices().getFirst();
        assertEquals("Let me think.", choice.message()._additionalProperties().get("reasoning_content").convert(String.class));
        assertEquals("The answer is 42.", choice.message().content().orElseThrow());
        assertEquals("stop", choice.finishReason().asString());
        var usage = c.usage().orElseThrow();
        assertEquals(5, usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());
        int thought = TestServer.sharedModel().tokenizer().encode("<think>\nLet me think.\n</think>", true).length;
        long reasoning = usage.completionTokensDetails().orElseThrow().reasoningTokens().orElseThrow();
        assertTrue(reasoning >= thought - 1 && reasoning <= thought + 2, reasoning + " vs " + thought);
        service.cachedTokens = 0;
    }

    @Test
    void toolCallsWholeAndStreamedInOpenAisShape() throws Exception {
        script(TWO_CALLS);
        ChatCompletion c = client.chat().completions().create(withTools("Weather in Paris and Rome?").build());
        var choice = c.choices().getFirst();
        assertEquals("tool_calls", choice.finishReason().asString());
        List<String> args = choice.message().toolCalls().orElseThrow().stream()
                .map(t -> t.asFunction().function().arguments()).toList();
        assertEquals(2, args.size());
        assertEquals(JSON.readTree("{\"city\": \"Paris\"}"), JSON.readTree(args.get(0)));
        assertEquals(JSON.readTree("{\"city\": \"Rome\"}"), JSON.readTree(args.get(1)));
        assertTrue(choice.message().content().isEmpty(), choice.message().toString());

        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                withTools("Weather in Paris and Rome?").build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion streamed = acc.chatCompletion();
        List<ChatCompletionMessageFunctionToolCall> calls = streamed.choices().getFirst().message().toolCalls().orElseThrow()
                .stream().map(t -> t.asFunction()).toList();
        assertEquals(2, calls.size());
        assertEquals("get_weather", calls.get(0).function().name());
        assertTrue(calls.get(0).id().startsWith("call_"));
        assertEquals(JSON.readTree(args.get(1)), JSON.readTree(calls.get(1).function().arguments()));
        assertEquals("tool_calls", streamed.choices().getFirst().finishReason().asString());
    }

    @Test
    void parallelToolCallsFalseKeepsTheFirstCall() throws Exception {
        script(TWO_CALLS);
        ChatCompletion c = client.chat().completions().create(withTools("Weather?").parallelToolCalls(false).build());
        var calls = c.choices().getFirst().message().toolCalls().orElseThrow();
        assertEquals(1, calls.size());
        assertEquals(JSON.readTree("{\"city\": \"Paris\"}"), JSON.readTree(calls.getFirst().asFunction().function().arguments()));
    }

    @Test
    void toolChoiceNoneReadsCallsAsPlainContent() throws Exception {
        script("<think>\n\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>");
        var body = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\"}}],\"tool_choice\":\"none\"}";
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.url() + "/v1/chat/completions")).POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode message = JSON.readTree(r.body()).get("choices").get(0).get("message");
        assertNull(message.get("tool_calls"), r.body());
        assertTrue(message.get("content").asText().contains("get_weather"), r.body());
    }
}
