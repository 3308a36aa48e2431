package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 32 concurrent streaming clients over raw HTTP/1.1, a quarter of them hanging up at random points: every
 * completed stream is well-formed and carries its own request's answer, nothing else fails, and the
 * service is idle with its KV cache empty afterwards.
 */
class StreamingLoadTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int CLIENTS = 32;
    static final int PROMPTS = 8;
    static final int LONGEST = 6;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String body(int prompt, int maxTokens, boolean stream) {
        return "{\"model\":\"" + TestServer.MODEL_NAME + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Client prompt number "
                + prompt + "\"}],\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"stream\":" + stream
                + ",\"stream_options\":{\"include_usage\":true},\"chat_template_kwargs\":{\"enable_thinking\":false}}";
    }

    /** What one client saw. */
    record Outcome(int client, int status, List<JsonNode> events, boolean done, boolean hungUp) {
    }

    @Test
    void concurrentStreamsWithDisconnects() throws Exception {
        // Greedy answers of every prompt alone, at the longest length: each client's answer must be a prefix.
        String[] expected = new String[PROMPTS];
        for (int p = 0; p < PROMPTS; p++) {
            var r = server.post("/v1/chat/completions", body(p, LONGEST, false));
            expected[p] = JSON.readTree(r.body()).get("choices").get(0).get("message").get("content").asText();
        }
        Random random = new Random(42);
        List<Future<Outcome>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CLIENTS; i++) {
                int client = i;
                int hangUpAfter = i % 4 == 3 ? 1 + random.nextInt(4) : -1;
                futures.add(pool.submit(() -> run(client, hangUpAfter)));
            }
            int completed = 0;
            for (Future<Outcome> f : futures) {
                Outcome o = f.get(60, TimeUnit.SECONDS);
                if (o.hungUp) {
                    continue;
                }
                completed++;
                check(o, expected);
            }
            assertEquals(CLIENTS * 3 / 4, completed);
        }
        ErrorResponsesTest.waitFor(() -> {
            var s = server.service.stats();
            return s.running() == 0 && s.queued() == 0 && s.kvBlocksUsed() == 0;
        });
        assertFalse(server.log().contains("WARN"), server.log());
        // Each handler counts its request after its exchange closes, which may trail the engine's stats.
        String hungUp = "qwen4j_requests_total{route=\"/v1/chat/completions\",status=\"499\"}";
        ErrorResponsesTest.waitFor(() -> server.get("/metrics").body().contains(hungUp));
        String metrics = server.get("/metrics").body();
        assertFalse(metrics.contains("status=\"500\""), metrics);
        // The clients that hung up while their request waited or ran were noticed at the next write.
        assertTrue(CompletionsAndInfoTest.metric(metrics, "qwen4j_client_disconnects_total") >= 1, metrics);
    }

    private static void check(Outcome o, String[] expected) {
        int prompt = o.client % PROMPTS;
        int maxTokens = 2 + o.client / PROMPTS; // 2..5 across the four groups
        assertEquals(200, o.status, "client " + o.client);
        assertTrue(o.done, "client " + o.client + " got no [DONE]");
        String id = o.events.getFirst().get("id").asText();
        StringBuilder content = new StringBuilder();
        int finishes = 0;
        JsonNode usage = null;
        for (JsonNode e : o.events) {
            assertEquals(id, e.get("id").asText(), "one id per stream");
            assertEquals("chat.completion.chunk", e.get("object").asText());
            assertFalse(e.has("error"), e.toString());
            if (!e.get("usage").isNull()) {
                usage = e.get("usage");
                continue;
            }
            JsonNode choice = e.get("choices").get(0);
            content.append(choice.get("delta").path("content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                finishes++;
                assertEquals("length", choice.get("finish_reason").asText());
            }
        }
        assertEquals(1, finishes, "client " + o.client);
        assertNotNull(usage, "client " + o.client);
        assertEquals(maxTokens, usage.get("completion_tokens").asInt());
        String text = content.toString().strip();
        assertTrue(expected[prompt].startsWith(text), "client " + o.client + ": '" + text + "' is not a prefix of its prompt's answer '"
                + expected[prompt] + "'");
    }

    /** One raw HTTP/1.1 streaming request; with {@code hangUpAfter} >= 0 the socket closes after that many events. */
    private static Outcome run(int client, int hangUpAfter) throws IOException {
        int maxTokens = 2 + client / PROMPTS;
        byte[] body = body(client % PROMPTS, maxTokens, true).getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            boolean chunked = false;
            for (String h; !(h = line(in)).isEmpty(); ) {
                chunked |= h.toLowerCase().startsWith("transfer-encoding:") && h.toLowerCase().contains("chunked");
            }
            assertTrue(chunked, "SSE is sent chunked");
            String stream = new String(dechunk(in, hangUpAfter), StandardCharsets.UTF_8);
            List<JsonNode> events = new ArrayList<>();
            boolean done = false;
            for (String frame : stream.split("\n\n")) {
                if (frame.isEmpty()) {
                    continue;
                }
                assertTrue(frame.startsWith("data: "), "not an SSE data frame: " + frame);
                String data = frame.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                } else if (hangUpAfter < 0) {
                    events.add(JSON.readTree(data));
                }
            }
            return new Outcome(client, status, events, done, hangUpAfter >= 0);
        }
    }

    /** Reads a chunked body; stops early after {@code maxEvents} SSE frames when >= 0. */
    private static byte[] dechunk(InputStream in, int maxEvents) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int events = 0;
        while (true) {
            int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
            if (size == 0) {
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            body.write(chunk);
            line(in);
            events += new String(chunk, StandardCharsets.UTF_8).split("\n\n", -1).length - 1;
            if (maxEvents >= 0 && events >= maxEvents) {
                return body.toByteArray();
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
