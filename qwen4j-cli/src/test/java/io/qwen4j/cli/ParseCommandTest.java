package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code qwen4j parse}: the template decides the mode and format; stream and whole parse agree. */
class ParseCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEATHER_TOOL = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"days\":{\"type\":\"integer\"}}}}}]";

    private static String template(String name) {
        return CliRun.shared().resolve("qwen/templates/" + name).toString();
    }

    private static Path toolsFile() throws Exception {
        Path file = Files.createTempFile("tools", ".json");
        Files.writeString(file, WEATHER_TOOL);
        return file;
    }

    private static JsonNode lastLine(String out) throws Exception {
        String[] lines = out.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    private static JsonNode parse(String output, boolean stream, String... args) throws Exception {
        String[] all = new String[args.length + (stream ? 2 : 1)];
        all[0] = "parse";
        System.arraycopy(args, 0, all, 1, args.length);
        if (stream) {
            all[all.length - 1] = "--stream";
        }
        CliRun run = CliRun.run(output, all);
        assertEquals(0, run.status(), run.err());
        return lastLine(run.out());
    }

    @Test
    void qwen3HermesCallAfterReasoning() throws Exception {
        String output = "<think>\nIt is a weather question.\n</think>\n\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>";
        for (boolean stream : new boolean[] {false, true}) {
            JsonNode message = parse(output, stream, "--template", template("qwen3.jinja"), "--tools", toolsFile().toString());
            assertEquals("It is a weather question.", message.get("reasoning_content").asText());
            assertTrue(message.get("content").isNull());
            assertEquals("tool_calls", message.get("finish_reason").asText());
            JsonNode call = message.get("tool_calls").get(0).get("function");
            assertEquals("get_weather", call.get("name").asText());
            assertEquals(JSON.readTree("{\"city\": \"Paris\", \"days\": 3}"), JSON.readTree(call.get("arguments").asText()));
        }
    }

    @Test
    void thinking2507ReasoningStartsInThePrompt() throws Exception {
        String output = "The user greets me.\n</think>\n\nHello!";
        for (boolean stream : new boolean[] {false, true}) {
            JsonNode message = parse(output, stream, "--template", template("qwen3-thinking-2507.jinja"));
            assertEquals("The user greets me.", message.get("reasoning_content").asText());
            assertEquals("Hello!", message.get("content").asText());
            assertEquals("stop", message.get("finish_reason").asText());
        }
    }

    @Test
    void coderXmlCallConvertsParameterTypes() throws Exception {
        String output = "Let me look.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nSan José\n</parameter>\n"
                + "<parameter=days>\n5\n</parameter>\n</function>\n</tool_call>";
        for (boolean stream : new boolean[] {false, true}) {
            JsonNode message = parse(output, stream, "--template", template("qwen3-coder.jinja"), "--tools", toolsFile().toString());
            assertEquals("Let me look.", message.get("content").asText());
            JsonNode call = message.get("tool_calls").get(0).get("function");
            assertEquals(JSON.readTree("{\"city\": \"San José\", \"days\": 5}"), JSON.readTree(call.get("arguments").asText()));
        }
    }

    @Test
    void caseWithThinkingOffMakesEverythingContent() throws Exception {
        Path caseFile = Files.createTempFile("case", ".json");
        Files.writeString(caseFile, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"kwargs\": {\"enable_thinking\": false}}");
        JsonNode message = parse("Hi there </think> friend", false, "--template", template("qwen3.jinja"),
                "--case", caseFile.toString());
        assertTrue(message.get("reasoning_content").isNull());
        assertEquals("Hi there </think> friend", message.get("content").asText());
    }

    @Test
    void streamPrintsDeltaLinesBeforeTheFinalObject() throws Exception {
        CliRun run = CliRun.run("<think>\nabc\n</think>\n\nxyz", "parse", "--template", template("qwen3.jinja"), "--stream");
        String[] lines = run.out().strip().split("\n");
        assertTrue(lines.length >= 3, run.out());
        StringBuilder reasoning = new StringBuilder();
        for (int i = 0; i < lines.length - 1; i++) {
            JsonNode delta = JSON.readTree(lines[i]);
            if (delta.has("reasoning_content")) {
                reasoning.append(delta.get("reasoning_content").asText());
            }
        }
        assertEquals("abc", reasoning.toString());
    }

    @Test
    void badToolsFileIsAnInputError() throws Exception {
        Path tools = Files.createTempFile("tools", ".json");
        Files.writeString(tools, "{not json");
        CliRun run = CliRun.run("x", "parse", "--template", template("qwen3.jinja"), "--tools", tools.toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("not valid JSON"), run.err());
    }
}
