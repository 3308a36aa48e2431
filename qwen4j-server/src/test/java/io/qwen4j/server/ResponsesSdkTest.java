package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.Reasoning;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseIncludable;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ToolChoiceFunction;
import com.openai.models.responses.ToolChoiceOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/responses} through the official OpenAI Java SDK's Responses client, on the real (random-weight) model.
 * The Responses API is the chat path under other names, so each answer is checked against what
 * {@code /v1/chat/completions} gives for the same conversation at temperature 0: the same prompt length and the
 * same greedy text, reasoning apart from the answer.
 */
class ResponsesSdkTest extends DefaultServerSdkTest {

    /** Ordered maps: {@code Map.of}'s order changes from JVM to JVM, and with it the rendered prompt and the answer. */
    private static final Map<String, Object> WEATHER = new java.util.TreeMap<>(Map.of(
            "city", new java.util.TreeMap<>(Map.of("type", "string", "enum", List.of("Paris", "Rome"))),
            "days", Map.of("type", "integer")));
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Map<String, Object> TIME = Map.of("zone", new java.util.TreeMap<>(Map.of("type", "string", "enum", List.of("UTC", "CET"))));

    private static ResponseCreateParams.Builder request(String input, long maxTokens) {
        return ResponseCreateParams.builder().model(TestServer.MODEL_NAME).input(input).temperature(0.0).maxOutputTokens(maxTokens);
    }

    private static ChatCompletionCreateParams.Builder chat(long maxTokens) {
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).temperature(0.0).maxCompletionTokens(maxTokens);
    }

    private static Reasoning off() {
        return Reasoning.builder().effort(ReasoningEffort.NONE).build();
    }

    /** An object schema whose properties are all required (in sorted order). */
    private static Map<String, Object> parameters(Map<String, Object> properties) {
        var schema = new java.util.LinkedHashMap<String, Object>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", List.copyOf(new java.util.TreeSet<>(properties.keySet())));
        return schema;
    }

    private static FunctionTool tool(String name, Map<String, Object> properties) {
        var parameters = FunctionTool.Parameters.builder();
        parameters(properties).forEach((k, v) -> parameters.putAdditionalProperty(k, JsonValue.from(v)));
        return FunctionTool.builder().name(name).parameters(parameters.build()).strict(false).build();
    }

    private static String reasoningText(ResponseOutputItem item) {
        StringBuilder text = new StringBuilder();
        item.asReasoning().content().orElseThrow().forEach(c -> text.append(c.text()));
        return text.toString();
    }

    private static String messageText(ResponseOutputItem item) {
        StringBuilder text = new StringBuilder();
        item.asMessage().content().forEach(c -> text.append(c.asOutputText().text()));
        return text.toString();
    }

    @Test
    void theThoughtIsAReasoningItemWithChatsReasoningText() {
        Response r = client.responses().create(request("Hello there", 12).build());
        r.validate();
        // random weights never close the thought: one reasoning item, cut at the limit
        assertEquals(ResponseStatus.INCOMPLETE, r.status().orElseThrow(), r.toString());
        assertEquals("max_output_tokens", r.incompleteDetails().orElseThrow().reason().orElseThrow().asString());
        assertEquals(1, r.output().size(), r.toString());
        ResponseOutputItem item = r.output().getFirst();
        assertTrue(item.isReasoning(), r.toString());

        ChatCompletion c = client.chat().completions().create(chat(12).addUserMessage("Hello there").build());
        String chatReasoning = ChatCompletionsSdkTest.reasoning(c.choices().getFirst());
        assertFalse(chatReasoning == null || chatReasoning.isBlank(), c.toString());
        assertEquals(chatReasoning, reasoningText(item));
        var usage = r.usage().orElseThrow();
        assertEquals(c.usage().orElseThrow().promptTokens(), usage.inputTokens());
        assertEquals(12, usage.outputTokens());
        assertEquals(12, usage.outputTokensDetails().reasoningTokens());
    }

    @Test
    void instructionsAndThinkingOffGiveOneMessageAsChatDoes() {
        Response r = client.responses().create(request("Name a colour.", 10).instructions("Answer briefly.").reasoning(off()).build());
        r.validate();
        assertEquals(1, r.output().size(), r.toString());
        assertTrue(r.output().getFirst().isMessage(), r.toString());

        ChatCompletion c = client.chat().completions().create(chat(10).addSystemMessage("Answer briefly.")
                .addUserMessage("Name a colour.").reasoningEffort(ReasoningEffort.NONE).build());
        assertEquals(c.choices().getFirst().message().content().orElseThrow(), messageText(r.output().getFirst()));
        assertEquals(c.usage().orElseThrow().promptTokens(), r.usage().orElseThrow().inputTokens());
        assertEquals(0, r.usage().orElseThrow().outputTokensDetails().reasoningTokens());
        assertEquals(0.0, r.temperature().orElseThrow());
        assertEquals("Answer briefly.", r.instructions().orElseThrow().asString());
    }

    @Test
    void streamedEventsAreNumberedInOrderAndAddUpToTheWholeResponse() {
        // a thinking budget ends the thought, so the stream has a reasoning item and then a message
        var params = request("Tell me a story.", 60).putAdditionalBodyProperty("thinking_budget", JsonValue.from(6)).build();
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (var stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        events.forEach(ResponseStreamEvent::validate);
        assertTrue(events.getFirst().isCreated(), events.getFirst().toString());
        assertTrue(events.get(1).isInProgress(), events.get(1).toString());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, sequenceNumber(events.get(i)), events.get(i).toString());
        }
        ResponseStreamEvent last = events.getLast();
        Response streamed = last.isCompleted() ? last.asCompleted().response() : last.asIncomplete().response();

        StringBuilder reasoning = new StringBuilder();
        StringBuilder answer = new StringBuilder();
        List<Long> added = new ArrayList<>();
        for (ResponseStreamEvent e : events) {
            e.reasoningTextDelta().ifPresent(d -> reasoning.append(d.delta()));
            e.outputTextDelta().ifPresent(d -> answer.append(d.delta()));
            e.outputItemAdded().ifPresent(a -> added.add(a.outputIndex()));
        }
        assertEquals(List.of(0L, 1L), added);
        assertTrue(streamed.output().get(0).isReasoning() && streamed.output().get(1).isMessage(), streamed.toString());
        assertEquals(reasoningText(streamed.output().get(0)), reasoning.toString());
        assertEquals(messageText(streamed.output().get(1)), answer.toString());
        assertTrue(reasoning.toString().endsWith("give the solution based on the thinking directly now."), reasoning.toString());

        Response whole = client.responses().create(params);
        assertEquals(reasoningText(whole.output().get(0)), reasoning.toString().strip());
        assertEquals(messageText(whole.output().get(1)), answer.toString());
        assertEquals(whole.usage().orElseThrow().outputTokens(), streamed.usage().orElseThrow().outputTokens());
    }

    /** The answer's tokens as {@code "token logprob [top token logprob ...]"} lines, for comparing two APIs' shapes. */
    private static List<String> lines(List<ResponseOutputText.Logprob> logprobs) {
        return logprobs.stream().map(l -> l.token() + " " + l.logprob() + " " + l.topLogprobs().stream()
                .map(t -> t.token() + " " + t.logprob()).toList()).toList();
    }

    @Test
    void theAnswersLogProbabilitiesAreChatsForTheSameConversation() {
        ResponseCreateParams params = request("Name a colour.", 8).reasoning(off())
                .addInclude(ResponseIncludable.MESSAGE_OUTPUT_TEXT_LOGPROBS).topLogprobs(2L).build();
        Response r = client.responses().create(params);
        r.validate();
        ResponseOutputText text = r.output().getFirst().asMessage().content().getFirst().asOutputText();
        List<ResponseOutputText.Logprob> logprobs = text.logprobs().orElseThrow();

        ChatCompletion c = client.chat().completions().create(chat(8).addUserMessage("Name a colour.")
                .reasoningEffort(ReasoningEffort.NONE).logprobs(true).topLogprobs(2L).build());
        var expected = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow().stream()
                .map(l -> l.token() + " " + l.logprob() + " " + l.topLogprobs().stream()
                        .map(t -> t.token() + " " + t.logprob()).toList()).toList();
        assertEquals(8, expected.size(), c.toString());
        assertEquals(expected, lines(logprobs));
        assertEquals(text.text(), String.join("", logprobs.stream().map(ResponseOutputText.Logprob::token).toList()));
        assertEquals(2L, r.topLogprobs().orElseThrow());

        // streamed, the deltas carry the same entries, each with its delta
        List<String> streamed = new ArrayList<>();
        try (var stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(e -> e.outputTextDelta().ifPresent(d -> d.logprobs().forEach(l -> streamed.add(l.token()
                    + " " + l.logprob() + " " + l.topLogprobs().orElseThrow().stream()
                    .map(t -> t.token().orElseThrow() + " " + t.logprob().orElseThrow()).toList()))));
        }
        assertEquals(expected, streamed);
    }

    @Test
    void theThoughtsTokensAreNotTheAnswers() {
        var params = request("Tell me a story.", 40).putAdditionalBodyProperty("thinking_budget", JsonValue.from(6))
                .addInclude(ResponseIncludable.MESSAGE_OUTPUT_TEXT_LOGPROBS).build();
        Response r = client.responses().create(params);
        assertTrue(r.output().get(0).isReasoning() && r.output().get(1).isMessage(), r.toString());
        ResponseOutputText text = r.output().get(1).asMessage().content().getFirst().asOutputText();
        List<String> answer = lines(text.logprobs().orElseThrow());

        // chat's logprobs cover every generated token, the thought's too: the answer's are its last ones
        ChatCompletion c = client.chat().completions().create(chat(40).addUserMessage("Tell me a story.")
                .putAdditionalBodyProperty("thinking_budget", JsonValue.from(6)).logprobs(true).build());
        var all = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        List<String> allLines = all.stream().map(l -> l.token() + " " + l.logprob() + " []").toList();
        assertFalse(answer.isEmpty());
        assertTrue(answer.size() < allLines.size() - 6, answer.size() + " of " + allLines.size());
        assertEquals(allLines.subList(allLines.size() - answer.size(), allLines.size()), answer);
        // the tokens spell the answer, but for what the parser dropped from the first (the blank line after </think>)
        List<ResponseOutputText.Logprob> entries = text.logprobs().orElseThrow();
        String tokens = String.join("", entries.stream().map(ResponseOutputText.Logprob::token).toList());
        assertTrue(tokens.endsWith(text.text()), tokens + " / " + text.text());
        assertTrue(tokens.length() - text.text().length() < entries.getFirst().token().length(), tokens + " / " + text.text());
    }

    private static long sequenceNumber(ResponseStreamEvent e) {
        return e.accept(new ResponseStreamEvent.Visitor<Long>() {
            @Override
            public Long unknown(JsonValue json) {
                return json.convert(JsonNode.class).path("sequence_number").asLong(-1);
            }
        });
    }

    @Test
    void aNamedFunctionIsCalledAndItsOutputGoesBackAsChatsToolMessage() throws Exception {
        Response r = client.responses().create(request("What time is it?", 60).reasoning(off())
                .addTool(tool("get_weather", WEATHER)).addTool(tool("get_time", TIME))
                .toolChoice(ToolChoiceFunction.builder().name("get_time").build()).build());
        r.validate();
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow(), r.toString());
        ResponseFunctionToolCall call = r.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        assertEquals("get_time", call.name());
        assertFalse(call.callId().isBlank());
        JsonNode args = JSON.readTree(call.arguments());
        assertTrue(Set.of("UTC", "CET").contains(args.path("zone").asText()), call.arguments());
        assertEquals(1, args.size(), call.arguments());

        // the agent loop: the call as the SDK parsed it, then its output, sent back as input items
        Response next = client.responses().create(ResponseCreateParams.builder().model(TestServer.MODEL_NAME)
                .inputOfResponse(List.of(
                        ResponseInputItem.ofEasyInputMessage(com.openai.models.responses.EasyInputMessage.builder()
                                .role(com.openai.models.responses.EasyInputMessage.Role.USER).content("What time is it?").build()),
                        ResponseInputItem.ofFunctionCall(call),
                        ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                .callId(call.callId()).output("12:00 UTC").build())))
                .addTool(tool("get_weather", WEATHER)).addTool(tool("get_time", TIME))
                .reasoning(off()).temperature(0.0).maxOutputTokens(8).build());
        next.validate();
        // the same conversation as chat messages, written by hand ("type" before "function", as the translation has it)
        String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": "
                + JSON.writeValueAsString(parameters(WEATHER)) + "}}, {\"type\": \"function\", \"function\": {\"name\": \"get_time\","
                + " \"parameters\": " + JSON.writeValueAsString(parameters(TIME)) + "}}]";
        String messages = "[{\"role\": \"user\", \"content\": \"What time is it?\"}, {\"role\": \"assistant\", \"tool_calls\": [{\"id\": "
                + JSON.writeValueAsString(call.callId()) + ", \"type\": \"function\", \"function\": {\"name\": \"get_time\", \"arguments\": "
                + JSON.writeValueAsString(call.arguments()) + "}}]}, {\"role\": \"tool\", \"tool_call_id\": "
                + JSON.writeValueAsString(call.callId()) + ", \"content\": \"12:00 UTC\"}]";
        JsonNode c = JSON.readTree(server.post("/v1/chat/completions", "{\"messages\": " + messages + ", \"tools\": " + tools
                + ", \"reasoning_effort\": \"none\", \"temperature\": 0, \"max_tokens\": 8}").body());
        assertEquals(c.path("usage").path("prompt_tokens").asLong(), next.usage().orElseThrow().inputTokens(), c.toString());
        String chatText = c.path("choices").path(0).path("message").path("content").asText("");
        String text = next.output().stream().filter(ResponseOutputItem::isMessage).map(ResponsesSdkTest::messageText)
                .findFirst().orElse("");
        assertEquals(chatText, text);
    }

    @Test
    void requiredToolChoiceStreamsTheCallsArguments() throws Exception {
        var params = request("Weather?", 80).reasoning(off()).addTool(tool("get_weather", WEATHER))
                .toolChoice(ToolChoiceOptions.REQUIRED).build();
        Map<String, StringBuilder> deltas = new java.util.LinkedHashMap<>();
        Map<String, String> done = new java.util.LinkedHashMap<>();
        Response last = null;
        try (var stream = client.responses().createStreaming(params)) {
            for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
                e.validate();
                e.functionCallArgumentsDelta().ifPresent(d -> deltas.computeIfAbsent(d.itemId(), k -> new StringBuilder()).append(d.delta()));
                if (e.isFunctionCallArgumentsDone()) {
                    var d = e.asFunctionCallArgumentsDone();
                    done.put(d.itemId(), d.arguments());
                    // OpenAI's event names the function; this SDK version keeps it among the unlisted fields
                    assertEquals("get_weather", d._additionalProperties().get("name").asString().orElseThrow());
                }
                if (e.isCompleted()) {
                    last = e.asCompleted().response();
                }
            }
        }
        // one or more calls (parallel calls are allowed), each streamed whole into its own item
        assertFalse(done.isEmpty());
        List<ResponseFunctionToolCall> calls = last.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).toList();
        assertEquals(done.size(), calls.size(), last.toString());
        for (ResponseFunctionToolCall call : calls) {
            String id = call.id().orElseThrow();
            assertEquals(deltas.get(id).toString(), done.get(id));
            assertEquals(done.get(id), call.arguments());
            JsonNode args = JSON.readTree(call.arguments());
            assertTrue(Set.of("Paris", "Rome").contains(args.path("city").asText()), call.arguments());
            assertTrue(args.path("days").isIntegralNumber(), call.arguments());
        }
    }

    @Test
    void aJsonSchemaTextFormatHoldsTheAnswerToTheSchema() throws Exception {
        var format = com.openai.models.responses.ResponseFormatTextJsonSchemaConfig.builder().name("verdict")
                .schema(com.openai.models.responses.ResponseFormatTextJsonSchemaConfig.Schema.builder()
                        .additionalProperties(toJsonValues(ResponseFormatSdkTest.VERDICT)).build())
                .strict(true).build();
        Response r = client.responses().create(request("Judge this.", 200).temperature(0.7).reasoning(off())
                .text(com.openai.models.responses.ResponseTextConfig.builder().format(format).build()).build());
        assertEquals(ResponseStatus.COMPLETED, r.status().orElseThrow(), r.toString());
        ResponseFormatSdkTest.assertVerdict(messageText(r.output().getFirst()));
    }

    private static Map<String, JsonValue> toJsonValues(Map<String, Object> map) {
        Map<String, JsonValue> out = new java.util.HashMap<>();
        map.forEach((k, v) -> out.put(k, JsonValue.from(v)));
        return out;
    }

    @Test
    void aStoredResponseIsContinuedRetrievedAndDeleted() throws Exception {
        Response first = client.responses().create(request("Name a colour.", 6).instructions("Be brief.").reasoning(off()).build());
        Response next = client.responses().create(request("And another?", 6).previousResponseId(first.id()).reasoning(off()).build());
        assertEquals(first.id(), next.previousResponseId().orElseThrow());
        // the same conversation as chat messages: the first turn (without its instructions, as OpenAI's), its answer, then this
        JsonNode c = JSON.readTree(server.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Name a colour.\"},"
                + " {\"role\": \"assistant\", \"content\": " + JSON.writeValueAsString(messageText(first.output().getFirst())) + "},"
                + " {\"role\": \"user\", \"content\": \"And another?\"}], \"reasoning_effort\": \"none\", \"temperature\": 0,"
                + " \"max_tokens\": 6}").body());
        assertEquals(c.path("usage").path("prompt_tokens").asLong(), next.usage().orElseThrow().inputTokens(), c.toString());
        assertEquals(c.path("choices").path(0).path("message").path("content").asText(), messageText(next.output().getFirst()));

        Response retrieved = client.responses().retrieve(first.id());
        assertEquals(messageText(first.output().getFirst()), messageText(retrieved.output().getFirst()));
        client.responses().delete(first.id());
        assertThrows(com.openai.errors.NotFoundException.class, () -> client.responses().retrieve(first.id()));
        var gone = assertThrows(BadRequestException.class,
                () -> client.responses().create(request("Hi", 4).previousResponseId(first.id()).build()));
        assertEquals("previous_response_id", gone.param().orElseThrow());

        Response unstored = client.responses().create(request("Hi", 2).store(false).build());
        assertThrows(com.openai.errors.NotFoundException.class, () -> client.responses().retrieve(unstored.id()));
    }

    @Test
    void whatCannotBeDoneHereIsRefusedByName() {
        var image = server.post("/v1/responses", "{\"input\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_image\","
                + " \"image_url\": \"https://example.com/a.png\"}]}]}");
        assertEquals(400, image.statusCode());
        assertTrue(image.body().contains("input[0].content[0]: only text parts are supported here, got type 'input_image'"), image.body());

        var retrieve = server.get("/v1/responses/resp_123");
        assertEquals(404, retrieve.statusCode(), retrieve.body());
        assertTrue(retrieve.body().contains("no stored response 'resp_123'"), retrieve.body());

        var tooLong = server.post("/v1/responses", "{\"input\": \"" + "word ".repeat(600) + "\"}");
        assertEquals(400, tooLong.statusCode(), tooLong.body());
        assertTrue(tooLong.body().contains("\"param\":\"input\"") && tooLong.body().contains("context_length_exceeded"), tooLong.body());

        var logprobs = server.post("/v1/responses", "{\"input\": \"Hi\", \"top_logprobs\": 21}");
        assertEquals(400, logprobs.statusCode(), logprobs.body());
        assertTrue(logprobs.body().contains("\"param\":\"top_logprobs\""), logprobs.body());

        // fields clients send that change nothing here are accepted; unknown ones are logged, not refused
        var accepted = server.post("/v1/responses", "{\"input\": \"Hi\", \"max_output_tokens\": 2, \"store\": false,"
                + " \"include\": [\"reasoning.encrypted_content\"], \"metadata\": {\"a\": \"b\"}, \"frobnicate\": 1}");
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertTrue(server.log().contains("ignoring unknown request fields on /v1/responses: frobnicate"), server.log());
    }
}
