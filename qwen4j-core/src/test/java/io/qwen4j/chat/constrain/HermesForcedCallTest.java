package io.qwen4j.chat.constrain;

import static io.qwen4j.chat.constrain.ForcedCallHarness.TOOLS;
import static io.qwen4j.chat.constrain.ForcedCallHarness.check;

import io.qwen4j.chat.parse.ReasoningMode;
import io.qwen4j.chat.parse.ToolCallFormat;
import io.qwen4j.chat.parse.ToolSpec;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forced Hermes JSON calls (Qwen2.5/Qwen3 templates) through the Sampler on random logits. */
class HermesForcedCallTest {
    @BeforeAll
    static void load() {
        ForcedCallHarness.loadTokenizer();
    }

    @Test
    void requiredPicksAnyToolWithValidArguments() {
        check(ToolCallFormat.HERMES, TOOLS, false, ReasoningMode.DISABLED, 3);
    }

    @Test
    void namedToolForEachSchema() {
        for (ToolSpec tool : TOOLS) {
            check(ToolCallFormat.HERMES, List.of(tool), false, ReasoningMode.DISABLED, 1);
        }
    }

    @Test
    void parallelCallsAfterAThought() {
        check(ToolCallFormat.HERMES, TOOLS, true, ReasoningMode.IN_OUTPUT, 2);
        check(ToolCallFormat.HERMES, List.of(TOOLS.get(2)), true, ReasoningMode.IN_PROMPT, 1);
    }
}
