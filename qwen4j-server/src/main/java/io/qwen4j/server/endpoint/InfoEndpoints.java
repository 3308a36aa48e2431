package io.qwen4j.server.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.http.Endpoint;
import io.qwen4j.server.http.Responses;
import io.qwen4j.server.openai.RequestFields;
import java.io.IOException;
import java.util.Set;

/** The read-only routes: {@code GET /health}, {@code GET /v1/models}, {@code GET /metrics}. */
public final class InfoEndpoints {

    private InfoEndpoints() {
    }

    /** 200 once the model is loaded (the server only listens after loading); 503 while shutting down. Open without a key. */
    public static final class Health extends Endpoint {
        public Health(ServerContext ctx) {
            super(ctx, Set.of("GET"), true);
        }

        @Override
        protected int serve(HttpExchange ex) throws IOException {
            ObjectNode body = RequestFields.JSON.createObjectNode();
            body.put("status", ctx.draining() ? "shutting_down" : "ok");
            return Responses.json(ex, ctx.draining() ? 503 : 200, body);
        }
    }

    /** OpenAI's model list: the model's id and its aliases. {@code /v1/models/ID} answers one. */
    public static final class Models extends Endpoint {
        public Models(ServerContext ctx) {
            super(ctx, Set.of("GET"), false);
        }

        @Override
        protected int serve(HttpExchange ex) throws IOException {
            String path = ex.getRequestURI().getPath();
            String prefix = "/v1/models/";
            if (path.startsWith(prefix) && path.length() > prefix.length()) {
                String id = java.net.URLDecoder.decode(path.substring(prefix.length()), java.nio.charset.StandardCharsets.UTF_8);
                if (!ctx.modelIds().contains(id) && !ctx.options.acceptAnyModel()) {
                    throw ApiException.modelNotFound(id);
                }
                return Responses.json(ex, 200, model(id));
            }
            if (!path.equals("/v1/models") && !path.equals("/v1/models/")) {
                throw ApiException.notFound("no route " + path);
            }
            ObjectNode body = RequestFields.JSON.createObjectNode();
            body.put("object", "list");
            ArrayNode data = body.putArray("data");
            ctx.modelIds().forEach(id -> data.add(model(id)));
            return Responses.json(ex, 200, body);
        }

        private ObjectNode model(String id) {
            ObjectNode m = RequestFields.JSON.createObjectNode();
            m.put("id", id).put("object", "model").put("created", ctx.createdEpochSeconds).put("owned_by", "qwen4j");
            m.put("max_model_len", ctx.service.contextLength());
            if (ctx.options.modelLabel() != null) {
                m.put("description", ctx.options.modelLabel());
            }
            return m;
        }
    }

    /** Prometheus text exposition. */
    public static final class Metrics extends Endpoint {
        public Metrics(ServerContext ctx) {
            super(ctx, Set.of("GET"), false);
        }

        @Override
        protected int serve(HttpExchange ex) throws IOException {
            return Responses.text(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                    ctx.metrics.render(ctx.service.stats(), ctx.model.name()));
        }
    }

    /** Anything not routed elsewhere: 404 in OpenAI's shape. */
    public static final class NotFound extends Endpoint {
        public NotFound(ServerContext ctx) {
            super(ctx, Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"), false);
        }

        @Override
        protected int serve(HttpExchange ex) {
            throw ApiException.notFound("no route " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
        }
    }
}
