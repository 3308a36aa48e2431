package io.qwen4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.qwen4j.chat.parse.ToolSpec;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.openai.ChatPrompt;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.server.openai.ToolChoices;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Field typing, tool_choice validation and Qwen3's soft switch, without a server. */
class RequestValidationTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static RequestFields fields(String json) {
        return RequestFields.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void typedGettersNameTheFieldAndTrackUnknownOnes() {
        RequestFields f = fields("{\"n\": 2.0, \"seed\": null, \"stop\": [\"a\", \"b\"], \"zzz\": 1, \"temperature\": 0.5}");
        assertEquals(2, f.integer("n", 1, 16).getAsInt());
        assertEquals(true, f.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE).isEmpty());
        assertEquals(List.of("a", "b"), f.stringOrStrings("stop", 4));
        assertEquals(0.5, f.number("temperature", 0, 2).getAsDouble());
        assertEquals(List.of("zzz"), f.unknown());
        ApiException e = assertThrows(ApiException.class, () -> fields("{\"n\": 2.5}").integer("n", 1, 16));
        assertEquals("n", e.param());
        e = assertThrows(ApiException.class, () -> fields("{\"stop\": [\"a\", 3]}").stringOrStrings("stop", 4));
        assertEquals("stop", e.param());
        e = assertThrows(ApiException.class, () -> fields("{\"n\": 1e30}").integer("n", 1, 16));
        assertEquals(400, e.status());
    }

    @Test
    void malformedBodiesSayWhatAndWhereWithoutParserInternals() {
        for (String[] body : new String[][] {{"{\"temperature\": NaN}", "line 1, column 20"}, {"{\"n\": 1,}", "line 1, column 9"},
                {"{\"n\": 1}}", "line 1, column 9"}, {"{\"n\": ", "line 1, column 7"}}) {
            ApiException e = assertThrows(ApiException.class, () -> fields(body[0]), body[0]);
            assertEquals(400, e.status());
            assertTrue(e.getMessage().startsWith("malformed JSON body: "), e.getMessage());
            assertTrue(e.getMessage().contains(body[1]), e.getMessage());
            assertFalse(e.getMessage().contains("`"), "parser settings named: " + e.getMessage());
        }
    }

    @Test
    void toolChoiceIsValidatedAgainstTheTools() throws Exception {
        List<ToolSpec> tools = List.of(new ToolSpec("get_weather", null));
        assertInstanceOf(ToolChoices.ToolChoice.Auto.class, ToolChoices.parse(Optional.empty(), tools));
        assertInstanceOf(ToolChoices.ToolChoice.None.class, ToolChoices.parse(Optional.empty(), List.of()));
        assertEquals(new ToolChoices.ToolChoice.Named("get_weather"), ToolChoices.parse(
                Optional.of(JSON.readTree("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}")), tools));
        for (String bad : List.of("\"sometimes\"", "{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}",
                "{\"type\":\"function\"}", "7")) {
            ApiException e = assertThrows(ApiException.class, () -> ToolChoices.parse(Optional.of(JSON.readTree(bad)), tools), bad);
            assertEquals("tool_choice", e.param());
        }
        assertThrows(ApiException.class, () -> ToolChoices.parse(Optional.of(JSON.readTree("\"required\"")), List.of()));
    }

    @Test
    void softSwitchFollowsTheLastInstruction() throws Exception {
        assertEquals(Optional.of(false), ChatPrompt.softSwitch((ArrayNode) JSON.readTree(
                "[{\"role\":\"user\",\"content\":\"hi /think\"},{\"role\":\"assistant\",\"content\":\"/think\"},"
                        + "{\"role\":\"user\",\"content\":\"again /no_think\"}]")));
        assertEquals(Optional.of(true), ChatPrompt.softSwitch((ArrayNode) JSON.readTree(
                "[{\"role\":\"system\",\"content\":\"/no_think\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x /think\"}]}]")));
        assertEquals(Optional.empty(), ChatPrompt.softSwitch((ArrayNode) JSON.readTree("[{\"role\":\"user\",\"content\":\"plain\"}]")));
    }
}
