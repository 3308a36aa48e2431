package io.qwen4j.chat.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Batch renderer for the differential harness (src/test/python/diff_templates.py): one JSON object per
 * stdin line, {@code {"template": SOURCE, "case": {messages, tools?, kwargs?}}}, answered by one line
 * {@code {"output": TEXT}} or {@code {"error": MESSAGE}}. One JVM for hundreds of renders instead of a
 * CLI start per case.
 */
public final class TemplateBatch {
    private TemplateBatch() {
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode job = json.readTree(line);
            ObjectNode answer = json.createObjectNode();
            try {
                JsonNode c = job.get("case");
                ChatTemplate template = ChatTemplate.parse(job.get("template").asText(), "", "<|im_end|>");
                answer.put("output", template.render(c.get("messages"), c.get("tools"), c.get("kwargs")));
            } catch (RuntimeException | StackOverflowError e) {
                answer.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            out.println(json.writeValueAsString(answer));
        }
    }
}
