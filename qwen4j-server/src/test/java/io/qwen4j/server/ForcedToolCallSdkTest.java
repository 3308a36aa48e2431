package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code tool_choice: required} and a named function on the real (random-weight) model: the model would
 * never write a call by itself, so a call with schema-valid arguments proves the constraint acts.
 */
class ForcedToolCallSdkTest extends DefaultServerSdkTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static ChatCompletionFunctionTool tool(String name, Map<String, Object> properties, List<String> required) {
        FunctionParameters parameters = FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(properties))
                .putAdditionalProperty("required", JsonValue.from(required))
                .build();
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name)
                .parameters(parameters).build()).build();
    }

    static ChatCompletionCreateParams.Builder request() {
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage("Weather in Paris?")
                .temperature(0.0).maxCompletionTokens(120)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false)))
                .addTool(tool("get_weather", Map.of("city", Map.of("type", "string", "enum", List.of("Paris", "Rome")),
                        "days", Map.of("type", "integer")), List.of("city", "days")))
                .addTool(tool("get_time", Map.of("zone", Map.of("type", "string", "enum", List.of("UTC", "CET"))),
                        List.of("zone")));
    }

    /** Checks the arguments against the tools' schemas above, by hand. */
    static void assertValidCall(ChatCompletionMessageFunctionToolCall call, Set<String> allowed) throws Exception {
        String name = call.function().name();
        assertTrue(allowed.contains(name), name);
        JsonNode args = JSON.readTree(call.function().arguments());
        assertTrue(args.isObject(), call.function().arguments());
        if (name.equals("get_weather")) {
            assertTrue(Set.of("Paris", "Rome").contains(args.path("city").asText()), args.toString());
            assertTrue(args.path("days").isIntegralNumber(), args.toString());
            assertEquals(2, args.size(), args.toString());
        } else {
            assertTrue(Set.of("UTC", "CET").contains(args.path("zone").asText()), args.toString());
            assertEquals(1, args.size(), args.toString());
        }
    }

    @Test
    void namedFunctionIsCalledWithValidArguments() throws Exception {
        ChatCompletion c = client.chat().completions().create(request()
                .toolChoice(ChatCompletionToolChoiceOption.ofNamedToolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_time").build()).build()))
                .build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals("tool_calls", choice.finishReason().asString(), c.toString());
        var calls = choice.message().toolCalls().orElseThrow();
        assertEquals(1, calls.size());
        assertValidCall(calls.getFirst().asFunction(), Set.of("get_time"));
    }

    @Test
    void requiredProducesACallOfSomeTool() throws Exception {
        ChatCompletion c = client.chat().completions().create(request()
                .toolChoice(ChatCompletionToolChoiceOption.ofAuto(ChatCompletionToolChoiceOption.Auto.REQUIRED))
                .parallelToolCalls(false)
                .build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals("tool_calls", choice.finishReason().asString(), c.toString());
        var calls = choice.message().toolCalls().orElseThrow();
        assertFalse(calls.isEmpty());
        for (var call : calls) {
            assertValidCall(call.asFunction(), Set.of("get_weather", "get_time"));
        }
    }
}
