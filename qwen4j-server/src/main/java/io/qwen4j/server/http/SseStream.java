package io.qwen4j.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.server.metrics.ServerMetrics;
import io.qwen4j.server.openai.RequestFields;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-event response: {@code data: JSON\n\n} per event (with an {@code event:} line for the Responses
 * API), flushed at once, ending with {@code data: [DONE]} or, for Responses, just the end of the body. A failed
 * write means the client left: it becomes a {@link Endpoint.ClientGoneException} so the request's generation is
 * cancelled.
 */
public final class SseStream {

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final ServerMetrics metrics;

    public SseStream(HttpExchange ex, ServerMetrics metrics) throws IOException {
        this.metrics = metrics;
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("X-Accel-Buffering", "no");
        ex.sendResponseHeaders(200, 0);
        this.out = ex.getResponseBody();
    }

    public void send(JsonNode event) {
        write(frame("", event));
    }

    /**
     * {@code event: TYPE\ndata: JSON\n\n}: the Responses and Messages APIs name each event by its {@code type} in
     * both places.
     */
    public void sendTyped(JsonNode event) {
        write(frame("event: " + event.get("type").asText() + "\n", event));
    }

    /** Ends the stream with {@code data: [DONE]} (chat and completions). */
    public void done() {
        write(DONE);
        end();
    }

    /** Ends the stream without {@code [DONE]}: the Responses API's last event is {@code response.completed}. */
    public void end() {
        try {
            out.close();
        } catch (IOException e) {
            gone(e);
        }
    }

    private static byte[] frame(String prefix, JsonNode event) {
        try {
            byte[] json = RequestFields.JSON.writeValueAsBytes(event);
            byte[] head = (prefix + "data: ").getBytes(StandardCharsets.UTF_8);
            byte[] frame = new byte[head.length + json.length + 2];
            System.arraycopy(head, 0, frame, 0, head.length);
            System.arraycopy(json, 0, frame, head.length, json.length);
            frame[frame.length - 2] = '\n';
            frame[frame.length - 1] = '\n';
            return frame;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("could not serialise an event: " + e.getMessage(), e);
        }
    }

    private void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            gone(e);
        }
    }

    private void gone(IOException e) {
        metrics.clientDisconnected();
        throw new Endpoint.ClientGoneException(e);
    }
}
