package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.JsonValue;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code response_format} on the real (random-weight) model, through the official OpenAI Java SDK: such a
 * model writes gibberish, so an answer that parses as JSON valid for the schema proves the constraint acts.
 * The schemas use bounded values (booleans, enums, integers) so answers finish within the token limit.
 */
class ResponseFormatSdkTest extends DefaultServerSdkTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, Object> VERDICT = Map.of("type", "object",
            "properties", Map.of("ok", Map.of("type", "boolean"),
                    "mood", Map.of("type", "string", "enum", List.of("calm", "angry")),
                    "score", Map.of("type", "integer")),
            "required", List.of("ok", "mood", "score"), "additionalProperties", false);

    static ChatCompletionCreateParams.Builder request(boolean thinking) {
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder schema = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        VERDICT.forEach((k, v) -> schema.putAdditionalProperty(k, JsonValue.from(v)));
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage("Judge this.")
                .temperature(0.7).seed(11).maxCompletionTokens(200)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", thinking)))
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("verdict").schema(schema.build()).strict(true).build()).build());
    }

    /** The schema above, checked by hand. */
    static void assertVerdict(String content) throws Exception {
        JsonNode v = JSON.readTree(content);
        assertTrue(v.isObject(), content);
        Set<String> keys = new HashSet<>();
        v.fieldNames().forEachRemaining(keys::add);
        assertEquals(Set.of("ok", "mood", "score"), keys, content);
        assertTrue(v.get("ok").isBoolean(), content);
        assertTrue(Set.of("calm", "angry").contains(v.get("mood").asText()), content);
        assertTrue(v.get("score").isIntegralNumber(), content);
    }

    @Test
    void jsonSchemaAnswerIsValidJson() throws Exception {
        ChatCompletion c = client.chat().completions().create(request(false).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals("stop", choice.finishReason().asString(), c.toString());
        assertVerdict(choice.message().content().orElseThrow());
    }

    public enum Mood { CALM, ANGRY }

    /** The SDK derives the JSON schema from this class and parses the answer back into it. */
    public static class Verdict {
        public boolean ok;
        public Mood mood;
        public int score;
    }

    @Test
    void theSdksClassBasedStructuredOutputParsesTheAnswer() {
        var params = ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage("Judge this.")
                .temperature(0.7).seed(12).maxCompletionTokens(200)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false)))
                .responseFormat(Verdict.class).build();
        var c = client.chat().completions().create(params);
        var choice = c.choices().getFirst();
        assertEquals("stop", choice.finishReason().asString(), c.toString());
        Verdict v = choice.message().content().orElseThrow();
        assertTrue(v.mood == Mood.CALM || v.mood == Mood.ANGRY, c.toString());
    }

    @Test
    void theThoughtStaysFreeAndTheAnswerFollowsIt() throws Exception {
        // a thinking budget ends the random model's thought; the answer after it is held to the schema
        ChatCompletion c = client.chat().completions().create(request(true)
                .putAdditionalBodyProperty("thinking_budget", JsonValue.from(12)).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals("stop", choice.finishReason().asString(), c.toString());
        String reasoning = ChatCompletionsSdkTest.reasoning(choice);
        assertFalse(reasoning == null || reasoning.isBlank(), "reasoning_content: " + c);
        assertVerdict(choice.message().content().orElseThrow());
    }

    @Test
    void streamedAnswerConcatenatesToValidJson() throws Exception {
        var content = new StringBuilder();
        try (var stream = client.chat().completions().createStreaming(request(false).build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
        }
        assertVerdict(content.toString());
    }

    @Test
    void jsonObjectAndBadFormats() throws Exception {
        HttpResponse<String> ok = server.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "x"}], "max_tokens": 400, "seed": 5,
                 "chat_template_kwargs": {"enable_thinking": false},
                 "response_format": {"type": "json_object", "schema": {"type": "object",
                   "properties": {"on": {"type": "boolean"}}, "required": ["on"], "additionalProperties": false}}}""");
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode answer = JSON.readTree(JSON.readTree(ok.body()).at("/choices/0/message/content").asText());
        assertTrue(answer.get("on").isBoolean(), ok.body());
        for (String bad : List.of("\"json\"", "{\"type\": \"xml\"}", "{\"type\": \"json_schema\"}",
                "{\"type\": \"json_schema\", \"json_schema\": {\"schema\": [1]}}",
                "{\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"array\", \"minItems\": 3, \"maxItems\": 1}}}")) {
            HttpResponse<String> r = server.post("/v1/chat/completions",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"response_format\": " + bad + "}");
            assertEquals(400, r.statusCode(), bad + " -> " + r.body());
            assertEquals("response_format", JSON.readTree(r.body()).at("/error/param").asText(), r.body());
        }
    }
}
