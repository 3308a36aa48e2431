package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.ThinkingConfigDisabled;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/messages} through Anthropic's official Java SDK, on the real (random-weight) model. The Messages API is
 * the chat path under other names, so each answer is checked against what {@code /v1/chat/completions} gives for
 * the same conversation at temperature 0 (raw JSON written here): the same prompt length and the same greedy text,
 * the thought in a {@code thinking} block.
 */
class AnthropicSdkTest extends DefaultServerSdkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AnthropicClient anthropic;

    @BeforeAll
    static void startClient() {
        anthropic = AnthropicOkHttpClient.builder().baseUrl(server.url()).apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    private static MessageCreateParams.Builder request(String user, long maxTokens) {
        return MessageCreateParams.builder().model(TestServer.MODEL_NAME).maxTokens(maxTokens)
                // this SDK version has no temperature setter (newer Claude models fix it); the API still defines the field
                .putAdditionalBodyProperty("temperature", JsonValue.from(0)).addUserMessage(user);
    }

    private static JsonNode chat(String body) throws Exception {
        var r = server.post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static String text(Message m, java.util.function.Predicate<ContentBlock> kind,
                               java.util.function.Function<ContentBlock, String> value) {
        return m.content().stream().filter(kind).map(value).findFirst().orElse(null);
    }

    private static String thinking(Message m) {
        return text(m, ContentBlock::isThinking, b -> b.asThinking().thinking());
    }

    private static String answer(Message m) {
        return text(m, ContentBlock::isText, b -> b.asText().text());
    }

    @Test
    void aThinkingBudgetGivesAThinkingBlockThenTextAsChatDoes() throws Exception {
        Message m = anthropic.messages().create(request("Tell me a story.", 60).enabledThinking(6).system("Be kind.").build());
        assertEquals(2, m.content().size(), m.toString());
        assertTrue(m.content().get(0).isThinking() && m.content().get(1).isText(), m.toString());

        JsonNode c = chat("{\"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"}, {\"role\": \"user\", \"content\":"
                + " \"Tell me a story.\"}], \"max_tokens\": 60, \"temperature\": 0, \"thinking_budget\": 6, \"enable_thinking\": true}");
        JsonNode message = c.path("choices").path(0).path("message");
        assertEquals(message.path("reasoning_content").asText(), thinking(m));
        assertEquals(message.path("content").asText(), answer(m));
        assertEquals(c.path("choices").path(0).path("finish_reason").asText().equals("length") ? StopReason.MAX_TOKENS : StopReason.END_TURN,
                m.stopReason().orElseThrow());
        var usage = m.usage();
        assertEquals(c.path("usage").path("prompt_tokens").asLong(), usage.inputTokens() + usage.cacheReadInputTokens().orElse(0L));
        assertEquals(c.path("usage").path("completion_tokens").asLong(), usage.outputTokens());
    }

    @Test
    void theStreamAccumulatesToTheWholeMessage() {
        var params = request("Tell me a story.", 60).enabledThinking(6).build();
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<String> types = new ArrayList<>();
        try (var stream = anthropic.messages().createStreaming(params)) {
            stream.stream().forEach(e -> {
                accumulator.accumulate(e);
                types.add(e._json().map(j -> j.convert(JsonNode.class).path("type").asText()).orElseGet(() -> type(e)));
            });
        }
        Message streamed = accumulator.message();
        assertEquals("message_start", types.getFirst());
        assertEquals(List.of("message_delta", "message_stop"), types.subList(types.size() - 2, types.size()));
        Message whole = anthropic.messages().create(params);
        assertEquals(thinking(whole), thinking(streamed));
        assertEquals(answer(whole), answer(streamed));
        assertFalse(answer(streamed).isEmpty(), streamed.toString());
        assertEquals(whole.stopReason(), streamed.stopReason());
        assertEquals(whole.usage().outputTokens(), streamed.usage().outputTokens());
    }

    private static String type(RawMessageStreamEvent e) {
        if (e.isMessageStart()) {
            return "message_start";
        }
        if (e.isMessageDelta()) {
            return "message_delta";
        }
        if (e.isMessageStop()) {
            return "message_stop";
        }
        return e.isContentBlockStart() ? "content_block_start" : e.isContentBlockDelta() ? "content_block_delta" : "content_block_stop";
    }

    @Test
    void aNamedToolIsUsedAndItsResultGoesBackAsChatsToolMessage() throws Exception {
        Tool tool = Tool.builder().name("get_time").inputSchema(Tool.InputSchema.builder()
                // ordered: Map.of's order changes from JVM to JVM, and with it the rendered prompt
                .properties(JsonValue.from(Map.of("zone", new java.util.TreeMap<>(Map.of("type", "string", "enum", List.of("UTC", "CET"))))))
                .required(List.of("zone")).build()).build();
        Message m = anthropic.messages().create(request("What time is it?", 60).thinking(ThinkingConfigDisabled.builder().build())
                .addTool(tool).toolChoice(ToolChoiceTool.builder().name("get_time").build()).build());
        assertEquals(StopReason.TOOL_USE, m.stopReason().orElseThrow(), m.toString());
        ToolUseBlock use = m.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).findFirst()
                .orElseThrow(() -> new AssertionError(m.toString()));
        assertEquals("get_time", use.name());
        JsonNode input = use._input().convert(JsonNode.class);
        assertTrue(Set.of("UTC", "CET").contains(input.path("zone").asText()), input.toString());

        // the tool loop: the assistant's message as the SDK parsed it, then the result in a user message
        Message next = anthropic.messages().create(request("What time is it?", 8).thinking(ThinkingConfigDisabled.builder().build())
                .addTool(tool).addMessage(m).addUserMessageOfContentBlockParams(List.of(com.anthropic.models.messages.ContentBlockParam.ofToolResult(
                        com.anthropic.models.messages.ToolResultBlockParam.builder().toolUseId(use.id()).content("12:00 UTC").build())))
                .build());
        JsonNode c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"What time is it?\"}, {\"role\": \"assistant\","
                + " \"content\": \"\", \"tool_calls\": [{\"id\": " + JSON.writeValueAsString(use.id()) + ", \"type\": \"function\","
                + " \"function\": {\"name\": \"get_time\", \"arguments\": " + JSON.writeValueAsString(input.toString()) + "}}]},"
                + " {\"role\": \"tool\", \"tool_call_id\": " + JSON.writeValueAsString(use.id()) + ", \"content\": \"12:00 UTC\"}],"
                + " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": "
                + schemaAsSent(tool) + "}}],"
                + " \"enable_thinking\": false, \"temperature\": 0, \"max_tokens\": 8}");
        assertEquals(c.path("usage").path("prompt_tokens").asLong(),
                next.usage().inputTokens() + next.usage().cacheReadInputTokens().orElse(0L), c.toString());
        assertEquals(c.path("choices").path(0).path("message").path("content").asText(""), answer(next) == null ? "" : answer(next));
    }

    /** The input schema as the SDK serialises it (its own key order), for the hand-written chat request. */
    private static String schemaAsSent(Tool tool) throws Exception {
        return com.anthropic.core.ObjectMappers.jsonMapper().writeValueAsString(tool.inputSchema());
    }

    @Test
    void aStopSequenceCutsTheTextAndIsNamed() {
        var params = request("Tell me a story.", 24).thinking(ThinkingConfigDisabled.builder().build());
        String text = answer(anthropic.messages().create(params.build()));
        assertTrue(text.length() > 12, text);
        String stop = text.substring(6, 10);
        int cut = text.indexOf(stop);
        Message m = anthropic.messages().create(params.stopSequences(List.of(stop)).build());
        assertEquals(StopReason.STOP_SEQUENCE, m.stopReason().orElseThrow(), m.toString());
        assertEquals(stop, m.stopSequence().orElseThrow());
        assertEquals(text.substring(0, cut), answer(m));
    }

    @Test
    void countTokensIsChatsPromptLength() throws Exception {
        var r = server.post("/v1/messages/count_tokens", "{\"model\": \"" + TestServer.MODEL_NAME + "\", \"system\": \"Be kind.\","
                + " \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hello\"}]}]}");
        assertEquals(200, r.statusCode(), r.body());
        var applied = server.post("/apply-template", "{\"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"},"
                + " {\"role\": \"user\", \"content\": \"Hello\"}]}");
        var tokens = server.post("/tokenize", "{\"content\": " + JSON.writeValueAsString(JSON.readTree(applied.body()).path("prompt").asText())
                + ", \"parse_special\": true}");
        assertEquals(JSON.readTree(tokens.body()).path("tokens").size(), JSON.readTree(r.body()).path("input_tokens").asInt());
    }

    @Test
    void errorsTakeAnthropicsShapeAndNameTheBlock() throws Exception {
        var noLimit = server.post("/v1/messages", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        assertEquals(400, noLimit.statusCode());
        JsonNode body = JSON.readTree(noLimit.body());
        assertEquals("error", body.path("type").asText());
        assertEquals("invalid_request_error", body.path("error").path("type").asText());
        assertEquals("'max_tokens' is required", body.path("error").path("message").asText());

        var image = server.post("/v1/messages", "{\"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\","
                + " \"text\": \"see\"}, {\"type\": \"image\", \"source\": {\"type\": \"url\", \"url\": \"https://example.com/a.png\"}}]}]}");
        assertEquals(400, image.statusCode());
        assertTrue(image.body().contains("messages[0].content[1]: unsupported content block of type 'image'"), image.body());

        var serverTool = server.post("/v1/messages", "{\"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"tools\": [{\"type\": \"bash_20250124\", \"name\": \"bash\"}]}");
        assertEquals(200, serverTool.statusCode(), serverTool.body());
        assertTrue(server.log().contains("not offering tools this server cannot run on /v1/messages: bash_20250124"), server.log());

        var model = server.post("/v1/messages", "{\"model\": \"claude-x\", \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        assertEquals(404, model.statusCode());
        assertEquals("not_found_error", JSON.readTree(model.body()).path("error").path("type").asText());
    }
}
