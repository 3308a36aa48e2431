package io.qwen4j.server;

import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.qwen4j.server.http.ClientWatch;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Disconnects cancel generation; shutdown ends running streams; server options change the wire shape. */
class LifecycleTest {

    static final String LONG_STREAM = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1800,\"stream\":true,"
            + "\"temperature\":0}";

    @Test
    void aClientHangingUpCancelsItsGeneration() throws Exception {
        try (TestServer server = TestServer.start(ServerOptions.loopback(), 2048, 4)) {
            try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
                send(socket, LONG_STREAM);
                InputStream in = socket.getInputStream();
                in.readNBytes(200); // headers and the first events: generation is under way
                ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 1);
            }
            long closed = System.nanoTime();
            // 1800 tokens would take far longer; cancellation frees the engine at the next token.
            ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 0);
            assertTrue(System.nanoTime() - closed < 3_000_000_000L, "cancelled within 3 s");
            ErrorResponsesTest.waitFor(() -> server.get("/metrics").body().contains("status=\"499\"} 1"));
        }
    }

    /** The Responses and Messages streams end their generation the same way when the client hangs up. */
    @Test
    void aClientHangingUpOnTheOtherAPIsCancelsItsGeneration() throws Exception {
        Map<String, String> streams = Map.of(
                "/v1/responses", "{\"input\":\"x\",\"max_output_tokens\":1800,\"stream\":true,\"temperature\":0,\"store\":false}",
                "/v1/messages", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1800,\"stream\":true,"
                        + "\"temperature\":0}");
        for (var route : streams.entrySet()) {
            try (TestServer server = TestServer.start(ServerOptions.loopback(), 2048, 4)) {
                try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
                    send(socket, route.getKey(), route.getValue());
                    socket.getInputStream().readNBytes(200); // headers and the first events: generation is under way
                    ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 1);
                }
                long closed = System.nanoTime();
                ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 0 && server.service.stats().kvBlocksUsed() == 0);
                assertTrue(System.nanoTime() - closed < 3_000_000_000L, route.getKey() + " cancelled within 3 s");
                ErrorResponsesTest.waitFor(() -> server.get("/metrics").body().contains("status=\"499\"} 1"));
            }
        }
    }

    @Test
    void aNonStreamingClientHangingUpCancelsItsGeneration() throws Exception {
        assertTrue(ClientWatch.available(), "tests run with the JDK server's package opened (see the pom)");
        try (TestServer server = TestServer.start(ServerOptions.loopback(), 2048, 4)) {
            try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
                send(socket, LONG_STREAM.replace("\"stream\":true", "\"stream\":false"));
                // Nothing comes back before the end: wait for the engine to be busy with it, then hang up.
                ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 1
                        && server.service.stats().kvBlocksUsed() > 0);
            }
            long closed = System.nanoTime();
            ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 0
                    && server.service.stats().queued() == 0 && server.service.stats().kvBlocksUsed() == 0);
            assertTrue(System.nanoTime() - closed < 2_000_000_000L, "cancelled within 2 s");
            ErrorResponsesTest.waitFor(() -> server.get("/metrics").body().contains("status=\"499\"} 1"));
            assertTrue(server.get("/metrics").body().contains("qwen4j_client_disconnects_total 1"));
            // The connection watch leaves a following request on a fresh connection unharmed.
            assertEquals(200, server.post("/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":3}").statusCode());
        }
    }

    /**
     * /v1/embeddings checks on its client before every forward pass: 2048 inputs of 1500 tokens (minutes of work)
     * stop within seconds of the client hanging up, counted as a disconnect (499), and the route serves again.
     */
    @Test
    void anEmbeddingsClientHangingUpStopsItsWork() throws Exception {
        assertTrue(ClientWatch.available(), "tests run with the JDK server's package opened (see the pom)");
        // each input starts with a token of its own, so none shares a prefix with the one before (which would run once)
        String body = "{\"input\":[" + String.join(",", java.util.stream.IntStream.range(0, 2048)
                .mapToObj(i -> "[" + (100 + i) + ",11".repeat(1499) + "]").toList()) + "]}";
        try (TestServer server = TestServer.start(ServerOptions.loopback(), 2048, 4)) {
            try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
                send(socket, "/v1/embeddings", body);
                Thread.sleep(500); // the body is read and the first inputs are running
            }
            long closed = System.nanoTime();
            ErrorResponsesTest.waitFor(() -> server.get("/metrics").body().contains("status=\"499\"} 1"));
            assertTrue(System.nanoTime() - closed < 3_000_000_000L, "stopped within 3 s");
            assertTrue(server.get("/metrics").body().contains("qwen4j_client_disconnects_total 1"));
            assertEquals(200, server.post("/v1/embeddings", "{\"input\":\"x\"}").statusCode());
        }
    }

    @Test
    void shutdownCancelsRunningStreamsAfterTheGracePeriod() throws Exception {
        TestServer server = TestServer.start(ServerOptions.loopback().withShutdownGraceMillis(300), 2048, 4);
        int port = server.server.port();
        CompletableFuture<String> stream;
        Socket socket = new Socket("127.0.0.1", port);
        send(socket, LONG_STREAM);
        stream = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "IOException " + e;
            }
        });
        ErrorResponsesTest.waitFor(() -> server.service.stats().running() == 1);
        long start = System.nanoTime();
        server.close();
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "shutdown is bounded");
        String received = stream.get();
        socket.close();
        assertTrue(received.contains("shutting down") && received.contains("data: [DONE]"),
                received.substring(Math.max(0, received.length() - 400)).replace("\r", "").replace("\n", "|") + server.log().replace("\n", "|"));
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }

    @Test
    void reasoningFieldOptionAndAcceptAnyModel() {
        ServerOptions options = ServerOptions.loopback().withReasoningField(ReasoningField.BOTH).withAliases(List.of(), true);
        try (TestServer server = TestServer.start(options, 512, 4)) {
            ChatCompletion c = server.client().chat().completions().create(ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini").addUserMessage("Hi").maxCompletionTokens(3).temperature(0.0).build());
            Map<String, JsonValue> extra = c.choices().getFirst().message()._additionalProperties();
            String a = extra.get("reasoning_content").convert(String.class);
            assertEquals(a, extra.get("reasoning").convert(String.class));
            assertTrue(!a.isEmpty());
            assertEquals("gpt-4o-mini", c.model());
        }
    }

    private static void send(Socket socket, String json) throws java.io.IOException {
        send(socket, "/v1/chat/completions", json);
    }

    private static void send(Socket socket, String path, String json) throws java.io.IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }
}
