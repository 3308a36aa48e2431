package io.qwen4j.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.server.openai.RequestFields;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Reading request bodies within the size limit and writing JSON, text and error responses. */
public final class Responses {

    /** Oversized bodies up to this size are read and dropped so the client sees the 413 instead of a reset. */
    private static final long DRAIN_LIMIT = 64L << 20;

    private Responses() {
    }

    static byte[] readBody(HttpExchange ex, long limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(null, "bad Content-Length header: " + declared);
            }
            if (length > limit) {
                if (length <= DRAIN_LIMIT) {
                    ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
                }
                throw ApiException.tooLarge(limit);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > limit) {
                    in.transferTo(OutputStream.nullOutputStream());
                    throw ApiException.tooLarge(limit);
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    public static int json(HttpExchange ex, int status, JsonNode body) throws IOException {
        return bytes(ex, status, "application/json", RequestFields.JSON.writeValueAsBytes(body));
    }

    public static int text(HttpExchange ex, int status, String contentType, String body) throws IOException {
        return bytes(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    static int bytes(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        return status;
    }

    public static ObjectNode errorBody(ApiException e) {
        ObjectNode root = RequestFields.JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        return root;
    }

    static int error(HttpExchange ex, ApiException e, ObjectNode body) throws IOException {
        if (e.retryAfterSeconds() > 0) {
            ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        if (e.status() == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        return json(ex, e.status(), body);
    }
}
