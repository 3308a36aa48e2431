package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error comes back in OpenAI's shape with the right status; the server keeps serving. */
class ErrorResponsesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = "sk-test-123";
    static TestServer server;

    @BeforeAll
    static void start() {
        // A small context (so a long prompt overflows), a tiny body limit, a queue of one, and a key.
        ServerOptions options = ServerOptions.loopback().withApiKey(KEY).withMaxBodyBytes(20_000);
        server = TestServer.start(options, 128, 1);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JsonNode error(HttpResponse<String> response, int status) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        JsonNode error = body.get("error");
        assertTrue(error != null && error.get("message").isTextual() && error.has("type") && error.has("param")
                && error.has("code"), response.body());
        return error;
    }

    HttpResponse<String> chat(String body) {
        return server.post("/v1/chat/completions", body, "Authorization", "Bearer " + KEY);
    }

    @Test
    void malformedJsonAndWrongTypesAre400() throws Exception {
        assertTrue(error(chat("{\"messages\": [}"), 400).get("message").asText().contains("malformed JSON"));
        assertEquals("invalid_request_error", error(chat("[1, 2]"), 400).get("type").asText());
        JsonNode e = error(chat("{\"messages\": \"hi\"}"), 400);
        assertEquals("messages", e.get("param").asText());
        e = error(chat("{\"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"temperature\": \"hot\"}"), 400);
        assertEquals("temperature", e.get("param").asText());
        e = error(chat("{\"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"max_tokens\": 2.5}"), 400);
        assertEquals("max_tokens", e.get("param").asText());
        e = error(chat("{\"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"stream\": 1}"), 400);
        assertEquals("stream", e.get("param").asText());
        e = error(chat("{\"messages\": [{\"role\":\"wizard\",\"content\":\"x\"}]}"), 400);
        assertTrue(e.get("message").asText().contains("wizard"), e.toString());
    }

    @Test
    void outOfRangeValuesAre400NamingTheField() throws Exception {
        String msg = "\"messages\": [{\"role\":\"user\",\"content\":\"x\"}]";
        for (String[] c : List.of(new String[] {"temperature", "2.5"}, new String[] {"top_p", "0"},
                new String[] {"top_p", "1.5"}, new String[] {"n", "0"}, new String[] {"n", "99"},
                new String[] {"max_tokens", "0"}, new String[] {"top_logprobs", "21"},
                new String[] {"presence_penalty", "3"}, new String[] {"min_p", "-0.1"})) {
            JsonNode e = error(chat("{" + msg + ", \"" + c[0] + "\": " + c[1] + ", \"logprobs\": true}"), 400);
            assertEquals(c[0], e.get("param").asText(), e.toString());
        }
        JsonNode e = error(chat("{" + msg + ", \"tools\": [{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + " \"tool_choice\": {\"type\":\"function\",\"function\":{\"name\":\"g\"}}}"), 400);
        assertEquals("tool_choice", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("'g'"), e.toString());
        e = error(chat("{" + msg + ", \"tool_choice\": \"required\"}"), 400);
        assertEquals("tool_choice", e.get("param").asText());
    }

    @Test
    void emptyMessagesAre400() throws Exception {
        JsonNode e = error(chat("{\"messages\": []}"), 400);
        assertEquals("messages", e.get("param").asText());
        error(chat("{}"), 400);
    }

    @Test
    void promptLongerThanTheContextIs400WithBothLengths() throws Exception {
        String text = "word ".repeat(300);
        int promptTokens = server.model.tokenizer().encode(text, true).length;
        JsonNode e = error(server.post("/v1/completions", "{\"prompt\": \"" + text + "\"}", "x-api-key", KEY), 400);
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertEquals("prompt", e.get("param").asText());
        String message = e.get("message").asText();
        assertTrue(message.contains(Integer.toString(promptTokens)) && message.contains("127"), message);
    }

    @Test
    void unknownModelIs404ThroughTheSdk() {
        var client = server.client(KEY);
        var p = ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").maxCompletionTokens(1).build();
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(p));
        assertEquals("model_not_found", e.code().orElseThrow());
    }

    @Test
    void missingOrWrongKeyIs401ButHealthIsOpen() throws Exception {
        var p = ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage("hi").maxCompletionTokens(1).build();
        UnauthorizedException e = assertThrows(UnauthorizedException.class,
                () -> server.client("sk-wrong").chat().completions().create(p));
        assertEquals("authentication_error", e.type().orElseThrow());
        assertEquals("authentication_error", error(server.get("/v1/models"), 401).get("type").asText());
        assertEquals(200, server.get("/health").statusCode());
        assertEquals(200, server.get("/v1/models", "x-api-key", KEY).statusCode());
        assertEquals(1, server.client(KEY).chat().completions().create(p).usage().orElseThrow().completionTokens());
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "{\"messages\": [{\"role\":\"user\",\"content\":\"" + "a".repeat(30_000) + "\"}]}";
        assertEquals("request_too_large", error(chat(big), 413).get("code").asText());
        assertThrows(BadRequestException.class, () -> server.client(KEY).chat().completions().create(
                ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage("hi").n(0L).build()));
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() throws Exception {
        error(server.get("/v1/nothing", "x-api-key", KEY), 404);
        error(server.get("/v1/chat/completions", "x-api-key", KEY), 405);
    }

    @Test
    void unknownFieldsAreAcceptedAndLoggedOnce() {
        var r = chat("{\"messages\": [{\"role\":\"user\",\"content\":\"x\"}], \"max_tokens\": 1, \"frobnicate\": 1, \"user\": \"u\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(server.log().contains("ignoring unknown request fields on /v1/chat/completions: frobnicate, user"), server.log());
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 10 s");
            }
            Thread.sleep(2);
        }
    }
}
