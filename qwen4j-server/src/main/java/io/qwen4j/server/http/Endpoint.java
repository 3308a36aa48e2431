package io.qwen4j.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.qwen4j.InvalidInputException;
import io.qwen4j.model.ContextOverflowException;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.serving.QueueFullException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * The frame every route runs in: API key check, method check, refusal while shutting down, and the
 * mapping of any failure to an OpenAI-shaped error with the right status (one log line, never a stack
 * trace to the client). Subclasses implement {@link #serve} and return the status they wrote.
 */
public abstract class Endpoint implements HttpHandler {

    /** Status recorded for a client that went away before its response was complete (nginx's convention). */
    static final int CLIENT_CLOSED = 499;

    protected final ServerContext ctx;
    private final Set<String> methods;
    private final boolean open;

    public Endpoint(ServerContext ctx, Set<String> methods, boolean open) {
        this.ctx = ctx;
        this.methods = methods;
        this.open = open;
    }

    protected abstract int serve(HttpExchange ex) throws IOException;

    @Override
    public final void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        long start = System.nanoTime();
        int status;
        try (ex) {
            try {
                if (!open) {
                    authorize(ex);
                }
                if (!methods.contains(ex.getRequestMethod())) {
                    throw ApiException.methodNotAllowed(ex.getRequestMethod(), path);
                }
                if (ctx.draining() && !open) {
                    throw ApiException.unavailable("the server is shutting down");
                }
                status = serve(ex);
            } catch (ClientGoneException e) {
                status = CLIENT_CLOSED;
            } catch (RuntimeException | IOException e) {
                status = fail(ex, path, e);
            }
        }
        ctx.metrics.request(path, status);
        if (!open) {
            ctx.log.info(ex.getRequestMethod() + " " + path + " " + status + " "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }

    private int fail(HttpExchange ex, String path, Exception e) {
        ApiException api = toApi(e, promptField());
        if (api.status() >= 500 && api.status() != 503) {
            ctx.log.warn(ex.getRequestMethod() + " " + path + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (ex.getResponseCode() != -1) {
            // Headers are out (a stream was running): nothing more can be said in HTTP terms.
            ctx.log.warn(ex.getRequestMethod() + " " + path + " ended early: " + api.getMessage());
            return ex.getResponseCode();
        }
        try {
            return Responses.error(ex, api, errorBody(api));
        } catch (IOException io) {
            return CLIENT_CLOSED;
        }
    }

    /** The body of an error answer: OpenAI's shape; a route of another API overrides it with that API's. */
    protected ObjectNode errorBody(ApiException e) {
        return Responses.errorBody(e);
    }

    /** The request field that holds the prompt, named when the prompt does not fit the context. */
    protected String promptField() {
        return "messages";
    }

    public static ApiException toApi(Exception e) {
        return toApi(e, "messages");
    }

    private static ApiException toApi(Exception e, String promptField) {
        return switch (e) {
            case ApiException api -> api;
            case ContextOverflowException o -> new ApiException(400, "invalid_request_error", "context_length_exceeded",
                    promptField, o.getMessage(), 0);
            case QueueFullException q -> ApiException.queueFull(q.getMessage());
            case InvalidInputException bad -> ApiException.badRequest(null, bad.getMessage());
            case IllegalStateException s when String.valueOf(s.getMessage()).contains("shut down") ->
                    ApiException.unavailable("the server is shutting down");
            case IOException io -> ApiException.badRequest(null, "could not read the request: " + io.getMessage());
            default -> ApiException.internal();
        };
    }

    private void authorize(HttpExchange ex) {
        String key = ctx.options.apiKey();
        if (key == null) {
            return;
        }
        String given = null;
        String authorization = ex.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = authorization.substring(7).trim();
        }
        if (given == null) {
            given = ex.getRequestHeaders().getFirst("x-api-key");
        }
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized();
        }
    }

    /** Reads the JSON body within the size limit. */
    protected RequestFields readFields(HttpExchange ex) throws IOException {
        return RequestFields.parse(Responses.readBody(ex, ctx.options.maxBodyBytes()));
    }

    /** Thrown when a write to the client fails: it has gone away. */
    public static final class ClientGoneException extends RuntimeException {
        public ClientGoneException(IOException cause) {
            super("client disconnected", cause, false, false);
        }
    }
}
