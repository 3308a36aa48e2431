package io.qwen4j.server;

import static io.qwen4j.server.CompletionsAndInfoTest.metric;
import static io.qwen4j.server.CompletionsAndInfoTest.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.models.completions.Completion;
import io.qwen4j.engine.speculative.SpeculationOptions;
import org.junit.jupiter.api.Test;

/** {@code serve --speculative ngram}: the same completions as without, and the guesses counted in /metrics. */
class SpeculativeServerTest {

    private static final String PROMPT = "one two three four five one two three four five one two three four";

    private static String complete(TestServer server, long maxTokens) {
        Completion c = server.client().completions().create(params(PROMPT).maxTokens(maxTokens).build());
        return c.choices().getFirst().text();
    }

    @Test
    void greedyCompletionsMatchAndTheGuessesAreCounted() throws InterruptedException {
        String plain;
        try (TestServer server = TestServer.start()) {
            plain = complete(server, 40);
        }
        // single repeated tokens count as matches: the one-layer test model rarely repeats longer runs
        try (TestServer server = TestServer.startSpeculative(SpeculationOptions.parse("ngram", 4, 1).withoutPauses())) {
            assertEquals(plain, complete(server, 40));
            String metrics = server.get("/metrics").body();
            long drafted = metric(metrics, "qwen4j_spec_draft_tokens_total");
            assertTrue(drafted > 0, metrics);
            assertTrue(metric(metrics, "qwen4j_spec_draft_tokens_accepted_total") <= drafted, metrics);
        }
    }
}
