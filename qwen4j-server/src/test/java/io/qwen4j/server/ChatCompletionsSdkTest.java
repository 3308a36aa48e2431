package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.CompletionUsage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Chat completions driven by the official OpenAI Java SDK against the real server. */
class ChatCompletionsSdkTest extends DefaultServerSdkTest {

    static ChatCompletionCreateParams.Builder params(String user) {
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addUserMessage(user)
                .temperature(0.0).maxCompletionTokens(12);
    }

    static ChatCompletionCreateParams.Builder thinkingOff(String user) {
        return params(user).putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false)));
    }

    static String reasoning(ChatCompletion.Choice choice) {
        JsonValue v = choice.message()._additionalProperties().get("reasoning_content");
        return v == null ? null : v.convert(String.class);
    }

    @Test
    void thinkingOnPutsTheUnfinishedThoughtInReasoningContent() {
        ChatCompletion c = client.chat().completions().create(params("Hello there").build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        // Random weights never close the thought: all output is reasoning (an unfinished thought).
        assertFalse(reasoning(choice) == null || reasoning(choice).isBlank(), c.toString());
        assertEquals("", choice.message().content().orElse(""));
        assertEquals("length", choice.finishReason().asString());
        CompletionUsage usage = c.usage().orElseThrow();
        assertEquals(12, usage.completionTokens());
        assertEquals(usage.promptTokens() + 12, usage.totalTokens());
        assertEquals(expectedPromptTokens("Hello there", true), usage.promptTokens());
        assertEquals(12, usage.completionTokensDetails().orElseThrow().reasoningTokens().orElseThrow());
        assertEquals(0, usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());
        assertEquals(TestServer.MODEL_NAME, c.model());
    }

    /** The prompt length from the template and tokenizer directly (independent of the server's path). */
    static long expectedPromptTokens(String user, boolean thinking) {
        String prompt = server.model.requireChatTemplate().render(List.of(Map.of("role", "user", "content", user)), null,
                Map.of("enable_thinking", thinking, "add_generation_prompt", true));
        return server.model.tokenizer().encode(prompt, true).length;
    }

    @Test
    void thinkingOffGivesContentOnly() {
        for (ChatCompletionCreateParams p : List.of(thinkingOff("Hello there").build(),
                params("Hello there /no_think").build(),
                params("Hello there").reasoningEffort(com.openai.models.ReasoningEffort.of("none")).build(),
                params("Hello there").putAdditionalBodyProperty("thinking_budget", JsonValue.from(0)).build())) {
            ChatCompletion c = client.chat().completions().create(p);
            ChatCompletion.Choice choice = c.choices().getFirst();
            assertTrue(reasoning(choice) == null, p.toString());
            assertFalse(choice.message().content().orElse("").isBlank(), c.toString());
            assertEquals(0, c.usage().orElseThrow().completionTokensDetails().orElseThrow().reasoningTokens().orElseThrow());
        }
        long plain = expectedPromptTokens("Hello there", false);
        ChatCompletion c = client.chat().completions().create(thinkingOff("Hello there").build());
        assertEquals(plain, c.usage().orElseThrow().promptTokens());
    }

    @Test
    void thinkingBudgetEndsTheThoughtAndTheAnswerFollows() {
        ChatCompletion c = client.chat().completions().create(params("Think briefly")
                .maxCompletionTokens(60).putAdditionalBodyProperty("thinking_budget", JsonValue.from(4)).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        String reasoning = reasoning(choice);
        assertTrue(reasoning != null && reasoning.endsWith("give the solution based on the thinking directly now."), reasoning);
        assertFalse(choice.message().content().orElse("").isBlank(), c.toString());
    }

    @Test
    void streamedDeltasConcatenateToTheWholeAnswer() {
        ChatCompletion whole = client.chat().completions().create(thinkingOff("Stream me").build());
        StringBuilder text = new StringBuilder();
        String finish = null;
        CompletionUsage usage = null;
        int usageChunks = 0;
        ChatCompletionCreateParams p = thinkingOff("Stream me")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(p)) {
            for (ChatCompletionChunk chunk : stream.stream().toList()) {
                assertEquals(whole.model(), chunk.model());
                if (chunk.usage().isPresent()) {
                    usage = chunk.usage().get();
                    usageChunks++;
                    assertTrue(chunk.choices().isEmpty());
                }
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get().asString();
                    }
                }
            }
        }
        assertEquals(whole.choices().getFirst().message().content().orElseThrow(), text.toString().strip());
        assertEquals("length", finish);
        assertEquals(1, usageChunks);
        assertEquals(whole.usage().orElseThrow().completionTokens(), usage.completionTokens());
        assertEquals(whole.usage().orElseThrow().promptTokens(), usage.promptTokens());
    }

    @Test
    void streamedReasoningArrivesAsReasoningContentDeltas() {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params("Why").build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                choice.delta().content().ifPresent(content::append);
                JsonValue r = choice.delta()._additionalProperties().get("reasoning_content");
                if (r != null) {
                    reasoning.append(r.convert(String.class));
                }
            }));
        }
        ChatCompletion whole = client.chat().completions().create(params("Why").build());
        assertEquals(reasoning(whole.choices().getFirst()), reasoning.toString().strip());
        assertEquals("", content.toString());
    }

    @Test
    void logprobsReportTheChosenTokenAndSortedAlternatives() {
        ChatCompletion c = client.chat().completions().create(thinkingOff("Logprobs please").logprobs(true).topLogprobs(3).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        List<ChatCompletionTokenLogprob> entries = choice.logprobs().orElseThrow().content().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), entries.size());
        StringBuilder text = new StringBuilder();
        for (ChatCompletionTokenLogprob e : entries) {
            assertEquals(3, e.topLogprobs().size());
            assertTrue(e.logprob() <= 0);
            // Greedy: the chosen token is the most likely one.
            assertEquals(e.topLogprobs().getFirst().logprob(), e.logprob(), 1e-6);
            assertEquals(e.topLogprobs().getFirst().token(), e.token());
            for (int i = 1; i < 3; i++) {
                assertTrue(e.topLogprobs().get(i - 1).logprob() >= e.topLogprobs().get(i).logprob());
            }
            text.append(e.token());
        }
        assertEquals(choice.message().content().orElseThrow(), text.toString().strip());
    }

    @Test
    void stopStringCutsTheAnswerAndEndsWithStop() {
        String full = client.chat().completions().create(thinkingOff("Say something").maxCompletionTokens(20).build())
                .choices().getFirst().message().content().orElseThrow();
        // Two whole characters from the second half (no replacement character: it stands for broken bytes).
        int[] cps = full.codePoints().toArray();
        int from = cps.length / 2;
        while (from < cps.length - 2 && (Character.isWhitespace(cps[from]) || cps[from] == 0xFFFD || cps[from + 1] == 0xFFFD)) {
            from++;
        }
        String stop = new String(cps, from, 2);
        ChatCompletion c = client.chat().completions().create(thinkingOff("Say something").maxCompletionTokens(20)
                .stop(stop).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals(full.substring(0, full.indexOf(stop)).strip(), choice.message().content().orElse(""));
        assertEquals("stop", choice.finishReason().asString());
        assertTrue(c.usage().orElseThrow().completionTokens() < 20, "stop " + stop.codePoints().boxed().toList() + " in " + full.codePoints().boxed().toList());
    }

    @Test
    void seedMakesSamplingReproducibleAndNChoicesDiffer() {
        ChatCompletionCreateParams p = thinkingOff("Random").temperature(1.0).seed(1234L).n(2L).build();
        ChatCompletion a = client.chat().completions().create(p);
        ChatCompletion b = client.chat().completions().create(p);
        assertEquals(2, a.choices().size());
        assertEquals(a.choices().get(0).message().content(), b.choices().get(0).message().content());
        assertEquals(a.choices().get(1).message().content(), b.choices().get(1).message().content());
        assertNotEquals(a.choices().get(0).message().content(), a.choices().get(1).message().content());
        assertEquals(0, a.choices().get(0).index());
        assertEquals(1, a.choices().get(1).index());
        assertEquals(24, a.usage().orElseThrow().completionTokens());
    }

    @Test
    void developerRoleIsRenderedAsSystem() {
        var p = ChatCompletionCreateParams.builder().model(TestServer.MODEL_NAME).addDeveloperMessage("Be terse")
                .addUserMessage("Hi").maxCompletionTokens(2).build();
        assertEquals(2, client.chat().completions().create(p).usage().orElseThrow().completionTokens());
        String body = "{\"messages\":[{\"role\":\"developer\",\"content\":\"Be terse\"},{\"role\":\"user\",\"content\":\"Hi\"}]}";
        String prompt = server.post("/apply-template", body).body();
        assertTrue(prompt.contains("<|im_start|>system\\nBe terse<|im_end|>"), prompt);
    }
}
