package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import io.qwen4j.serving.ServiceStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's OpenAI module, a second real client, against the real server on the synthetic model: plain
 * and streamed chat, a forced tool call with schema-valid arguments, an extension field passed through
 * (thinking off), and a stream the client cancels, after which the server holds nothing.
 */
class LangChain4jClientTest {

    static TestServer server;
    static OpenAiChatModel chat;
    static OpenAiStreamingChatModel streaming;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        // A context of 2048 lets the cancelled stream run ~1800 tokens: with 400 the tiny model sometimes wrote
        // the whole stream into the socket buffers before the client got round to cancelling (a 200, no 499).
        server = TestServer.start(ServerOptions.loopback(), 2048, 64);
        chat = OpenAiChatModel.builder().baseUrl(server.url() + "/v1").apiKey("unused")
                .modelName(TestServer.MODEL_NAME).temperature(0.0).maxTokens(40).timeout(Duration.ofSeconds(30))
                .maxRetries(0).build();
        streaming = OpenAiStreamingChatModel.builder().baseUrl(server.url() + "/v1").apiKey("unused")
                .modelName(TestServer.MODEL_NAME).temperature(0.0).maxTokens(400).timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Qwen3's template without a thinking block: the extension field travels as LangChain4j sends it. */
    static OpenAiChatRequestParameters noThinking(int maxTokens) {
        return OpenAiChatRequestParameters.builder().maxOutputTokens(maxTokens)
                .customParameters(Map.of("chat_template_kwargs", Map.of("enable_thinking", false))).build();
    }

    @Test
    void plainChatAnswersWithUsage() {
        ChatResponse response = chat.chat(ChatRequest.builder().messages(UserMessage.from("Hello"))
                .parameters(noThinking(12)).build());
        assertNotNull(response.aiMessage().text());
        assertFalse(response.aiMessage().text().contains("<think>"), response.aiMessage().text());
        assertTrue(Set.of(FinishReason.STOP, FinishReason.LENGTH).contains(response.finishReason()));
        assertTrue(response.tokenUsage().inputTokenCount() > 0);
        assertTrue(response.tokenUsage().outputTokenCount() > 0);
        assertTrue(response.tokenUsage().outputTokenCount() <= 12);
    }

    @Test
    void requiredToolChoiceGivesASchemaValidCall() throws Exception {
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather of a city")
                .parameters(JsonObjectSchema.builder().addEnumProperty("city", List.of("Paris", "Rome"))
                        .addIntegerProperty("days").required("city", "days").build())
                .build();
        ChatResponse response = chat.chat(ChatRequest.builder().messages(UserMessage.from("Weather in Paris?"))
                .parameters(OpenAiChatRequestParameters.builder().maxOutputTokens(100).toolSpecifications(weather)
                        .toolChoice(ToolChoice.REQUIRED)
                        .customParameters(Map.of("chat_template_kwargs", Map.of("enable_thinking", false))).build())
                .build());
        assertTrue(response.aiMessage().hasToolExecutionRequests(), String.valueOf(response.aiMessage()));
        assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
        ToolExecutionRequest call = response.aiMessage().toolExecutionRequests().get(0);
        assertEquals("get_weather", call.name());
        assertNotNull(call.id());
        JsonNode args = JSON.readTree(call.arguments());
        assertTrue(Set.of("Paris", "Rome").contains(args.path("city").asText()), call.arguments());
        assertTrue(args.path("days").isIntegralNumber(), call.arguments());
        assertEquals(2, args.size(), call.arguments());
    }

    @Test
    void streamedChatDeliversPartsThatMakeTheWholeAnswer() throws Exception {
        StringBuilder parts = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("Tell me a story")).parameters(noThinking(16))
                .build(), new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        parts.append(partial);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertEquals(parts.toString(), response.aiMessage().text());
        assertTrue(Set.of(FinishReason.STOP, FinishReason.LENGTH).contains(response.finishReason()));
    }

    @Test
    void aStreamTheClientCancelsFreesItsSequence() throws Exception {
        long requestsBefore = chatRequestLines().count();
        AtomicInteger partials = new AtomicInteger();
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("Write a long story")).parameters(noThinking(1800))
                .build(), new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        if (partials.incrementAndGet() == 3) {
                            context.streamingHandle().cancel();
                            cancelled.complete(null);
                        }
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        cancelled.completeExceptionally(new AssertionError("finished instead of being cancelled: "
                                + response.finishReason()));
                    }

                    @Override
                    public void onError(Throwable error) {
                        cancelled.completeExceptionally(error);
                    }
                });
        cancelled.get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ServiceStats stats = server.service.stats();
        while ((stats.running() > 0 || stats.kvBlocksUsed() > 0 || chatRequestLines().count() == requestsBefore)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
            stats = server.service.stats();
        }
        assertEquals(0, stats.running(), "running sequences after the cancel");
        assertEquals(0, stats.kvBlocksUsed(), "KV blocks held after the cancel");
        // LangChain4j's cancel stops the handler at once; its HTTP client closes the connection when it gets
        // round to it. A server that has written the whole stream into the socket buffers by then has nothing
        // left to notice (200); otherwise its next write fails and the request ends as a 499. Which one comes
        // first depends on generation speed (the Q8_0 kernel for batches of 2-4 made the 200 frequent), so
        // either is right here; that a hang-up is noticed is StreamingLoadTest's check (status 499 counted).
        String request = chatRequestLines().skip(requestsBefore).findFirst().orElse("(not logged)");
        assertTrue(request.contains(" 499 ") || request.contains(" 200 "), request + "\n" + server.log());
    }

    /** The server's log lines of finished chat requests, oldest first. */
    private static java.util.stream.Stream<String> chatRequestLines() {
        return server.log().lines().filter(line -> line.contains("POST /v1/chat/completions"));
    }
}
