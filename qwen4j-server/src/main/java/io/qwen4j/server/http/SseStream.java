package io.qwen4j.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.server.metrics.ServerMetrics;
import io.qwen4j.server.openai.RequestFields;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-event response: {@code data: JSON\n\n} per event, flushed at once, ending with
 * {@code data: [DONE]}. A failed write means the client left: it becomes a {@link Endpoint.ClientGoneException}
 * so the request's generation is cancelled.
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
        try {
            byte[] json = RequestFields.JSON.writeValueAsBytes(event);
            byte[] frame = new byte[json.length + 8];
            System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, frame, 0, 6);
            System.arraycopy(json, 0, frame, 6, json.length);
            frame[frame.length - 2] = '\n';
            frame[frame.length - 1] = '\n';
            write(frame);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("could not serialise an event: " + e.getMessage(), e);
        }
    }

    public void done() {
        write(DONE);
        try {
            out.close();
        } catch (IOException e) {
            gone(e);
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
