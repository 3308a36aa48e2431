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

    private final Answer answer;

    public JsonRoute(ServerContext ctx, Answer answer) {
        super(ctx, Set.of("POST"), false);
        this.answer = answer;
    }

    @Override
    protected int serve(HttpExchange ex) throws IOException {
        return Responses.json(ex, 200, answer.answer(ctx, readFields(ex)));
    }
}
