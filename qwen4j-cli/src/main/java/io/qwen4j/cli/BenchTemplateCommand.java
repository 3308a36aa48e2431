package io.qwen4j.cli;

import io.qwen4j.chat.template.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j bench template}: how long the Qwen3 template takes to render a 20-turn conversation
 * with tools, both the first (cold: engine start, parse, first render) and warm (median of many renders
 * after warm-up), measured in one run.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Chat-template render time: cold first render and warm median, Qwen3 template, 20 turns with tools.")
public final class BenchTemplateCommand implements Callable<Integer> {

    @Option(names = "--template", paramLabel = "FILE", description = "Template to time (default: ../shared/qwen/templates/qwen3.jinja).")
    Path templateFile;

    @Option(names = "--renders", description = "Warm renders to time (default: ${DEFAULT-VALUE}).")
    int renders = 2000;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (renders < 1) {
            throw new IllegalArgumentException("--renders must be at least 1, got " + renders);
        }
        Path file = templateFile != null ? templateFile : RepoPaths.fromRoot("../shared/qwen/templates/qwen3.jinja");
        String source = Files.readString(file);
        List<Map<String, Object>> messages = conversation(20);
        List<Map<String, Object>> tools = List.of(tool());

        long coldStart = System.nanoTime();
        ChatTemplate template = ChatTemplate.parse(source, "", "<|im_end|>");
        String prompt = template.render(messages, tools, Map.of());
        double coldMs = (System.nanoTime() - coldStart) / 1e6;

        for (int i = 0; i < Math.max(200, renders / 4); i++) {
            template.render(messages, tools, Map.of());
        }
        double[] samples = new double[renders];
        for (int i = 0; i < renders; i++) {
            long t0 = System.nanoTime();
            template.render(messages, tools, Map.of());
            samples[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(samples);
        double median = samples[renders / 2];
        double p90 = samples[(int) (renders * 0.9)];
        if (json) {
            System.out.printf(java.util.Locale.ROOT,
                    "{\"template\": \"%s\", \"turns\": 20, \"prompt_chars\": %d, \"cold_ms\": %.3f, \"warm_median_ms\": %.4f, \"warm_p90_ms\": %.4f, \"renders\": %d}%n",
                    file.getFileName(), prompt.length(), coldMs, median, p90, renders);
        } else {
            System.out.printf(java.util.Locale.ROOT,
                    "template %s, 20 turns with tools (%d chars): cold %.1f ms, warm median %.3f ms (p90 %.3f ms, %d renders)%n",
                    file.getFileName(), prompt.length(), coldMs, median, p90, renders);
        }
        return 0;
    }

    /** System prompt, then user / assistant-with-tool-call / tool result / assistant answer turns. */
    static List<Map<String, Object>> conversation(int turns) {
        List<Map<String, Object>> messages = new ArrayList<>();
        messages.add(message("system", "You are a helpful assistant."));
        for (int turn = 0; messages.size() < turns; turn++) {
            messages.add(message("user", "What is the weather in city number " + turn + "?"));
            Map<String, Object> call = message("assistant", "Let me check.");
            call.put("tool_calls", List.of(Map.of("type", "function", "function",
                    Map.of("name", "get_weather", "arguments", Map.of("city", "City " + turn, "days", turn % 3 + 1)))));
            messages.add(call);
            messages.add(message("tool", "{\"temperature\": " + (10 + turn) + ", \"sky\": \"clear\"}"));
            messages.add(message("assistant", "It is " + (10 + turn) + " degrees and clear."));
        }
        return messages.subList(0, turns);
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static Map<String, Object> tool() {
        return Map.of("type", "function", "function", Map.of(
                "name", "get_weather",
                "description", "Current weather for a city.",
                "parameters", Map.of("type", "object",
                        "properties", Map.of("city", Map.of("type", "string"), "days", Map.of("type", "integer", "minimum", 1)),
                        "required", List.of("city"))));
    }
}
