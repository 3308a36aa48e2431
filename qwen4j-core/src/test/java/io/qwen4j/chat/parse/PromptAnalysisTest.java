package io.qwen4j.chat.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Decides mode and format from the real Qwen templates and their golden renders in ../shared. */
class PromptAnalysisTest {
    static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/qwen/templates");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("../shared/qwen/templates not found above " + Path.of("").toAbsolutePath());
    }

    @ParameterizedTest
    @CsvSource({
            "qwen3__plain, IN_OUTPUT, HERMES",
            "qwen3__tools_call_and_result, IN_OUTPUT, HERMES",
            "qwen3__no_think, DISABLED, HERMES",
            "qwen3-thinking-2507__plain, IN_PROMPT, HERMES",
            "qwen3-thinking-2507__no_think, IN_PROMPT, HERMES",
            "qwen2.5__plain, DISABLED, HERMES",
            "qwen2.5__think_true, DISABLED, HERMES",
            "qwen3-coder__plain, DISABLED, XML",
            "qwen3-coder__tools_call_and_result, DISABLED, XML",
    })
    void goldenRenders(String caseName, ReasoningMode mode, ToolCallFormat format) throws IOException {
        var golden = new ObjectMapper().readTree(shared().resolve("cases/" + caseName + ".json").toFile());
        String templateName = caseName.substring(0, caseName.indexOf("__"));
        String template = Files.readString(shared().resolve(templateName + ".jinja"));
        assertEquals(new PromptAnalysis(mode, format), PromptAnalysis.analyze(template, golden.get("expected").asText()));
    }

    @Test
    void templateWithoutToolsOrThinking() {
        assertEquals(new PromptAnalysis(ReasoningMode.DISABLED, ToolCallFormat.NONE),
                PromptAnalysis.analyze("{{ messages[0].content }}", "<|im_start|>assistant\n"));
    }

    @Test
    void thinkMentionedOnlyForHistoryIsNotAThinkingModel() {
        String instructStyle = "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}<think>";
        assertEquals(ReasoningMode.DISABLED, PromptAnalysis.analyze(instructStyle, "<|im_start|>assistant\n").reasoningMode());
    }

    @Test
    void openThinkAtThePromptEndWinsOverTheTemplate() {
        assertEquals(ReasoningMode.IN_PROMPT, PromptAnalysis.analyze("no tags here", "<|im_start|>assistant\n<think>\n").reasoningMode());
    }
}
