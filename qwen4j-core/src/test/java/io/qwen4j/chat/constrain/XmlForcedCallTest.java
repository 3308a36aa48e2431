package io.qwen4j.chat.constrain;

import static io.qwen4j.chat.constrain.ForcedCallHarness.XML_TOOLS;
import static io.qwen4j.chat.constrain.ForcedCallHarness.check;

import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forced Qwen3-Coder XML calls through the Sampler on random logits. */
class XmlForcedCallTest {
    @BeforeAll
    static void load() {
        ForcedCallHarness.loadTokenizer();
    }

    @Test
    void requiredPicksAnyToolWithValidArguments() {
        check(ToolCallFormat.XML, XML_TOOLS, false, ReasoningMode.DISABLED, 3);
    }

    @Test
    void namedToolForEachSchema() {
        for (ToolSpec tool : XML_TOOLS) {
            check(ToolCallFormat.XML, List.of(tool), false, ReasoningMode.DISABLED, 1);
        }
    }

    @Test
    void parallelCallsAfterAThought() {
        check(ToolCallFormat.XML, XML_TOOLS, true, ReasoningMode.IN_OUTPUT, 1);
        check(ToolCallFormat.XML, List.of(XML_TOOLS.get(2)), true, ReasoningMode.IN_PROMPT, 1);
    }
}
