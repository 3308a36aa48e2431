package io.qwen4j.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.openai.RequestFields;
import java.io.IOException;
import java.util.Set;

/** A POST route (key required) that answers its JSON body with a JSON object and 200: the small helper routes. */
public final class JsonRoute extends Endpoint {

    /** The route's logic: request fields in, response body out; throws {@link ApiException} for bad input. */
    @FunctionalInterface
    public interface Answer {
        JsonNode answer(ServerContext ctx, RequestFields fields);
    }

    /**
     * An {@link Answer} that takes long enough to check on its client: {@link ClientWatch#gone} between steps, then
     * {@link Endpoint.ClientGoneException} to stop (the server counts it as a disconnect, status 499).
     */
    @FunctionalInterface
    public interface WatchedAnswer {
        JsonNode answer(ServerContext ctx, RequestFields fields, ClientWatch client);
    }

    private final WatchedAnswer answer;

    public JsonRoute(ServerContext ctx, Answer answer) {
        this(ctx, (c, fields, client) -> answer.answer(c, fields));
    }

    public JsonRoute(ServerContext ctx, WatchedAnswer answer) {
        super(ctx, Set.of("POST"), false);
        this.answer = answer;
    }

    @Override
    protected int serve(HttpExchange ex) throws IOException {
        RequestFields fields = readFields(ex);
        return Responses.json(ex, 200, answer.answer(ctx, fields, ClientWatch.of(ex)));
    }
}
