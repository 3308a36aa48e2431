package io.qwen4j.server.endpoint;

import com.sun.net.httpserver.HttpExchange;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.server.ServerContext;
import io.qwen4j.server.generation.OutputText;
import io.qwen4j.server.http.Endpoint;
import io.qwen4j.server.openai.GenerationOptions;
import io.qwen4j.server.openai.RequestFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The routes that generate ({@code /v1/chat/completions}, {@code /v1/completions}): POST with a key, the
 * body's {@code model} resolved, then the endpoint's {@link #plan} and a shared {@link GenerationResponse}.
 * A new generating route implements {@link #plan} and a {@link ResponseShape}.
 */
public abstract class GenerationEndpoint extends Endpoint {

    /** One request, read and validated: what to generate and how the answer is written. */
    protected record Plan(int[] prompt, GenerationOptions options, IntFunction<GenerationRequest> requests,
                          ResponseShape shape) {
    }

    /**
     * What names a route's responses: its path (in logs), the id prefix, and the {@code object} of the whole
     * response and of a streamed chunk.
     */
    record Route(String path, String idPrefix, String object, String chunkObject) {
    }

    private final Route route;

    GenerationEndpoint(ServerContext ctx, Route route) {
        super(ctx, Set.of("POST"), false);
        this.route = route;
    }

    /** Reads every field the route knows (the rest are logged as unknown) and plans the generation. */
    protected abstract Plan plan(RequestFields fields);

    @Override
    protected final int serve(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        RequestFields f = readFields(ex);
        String model = ctx.resolveModel(f.string("model"));
        Plan plan = plan(f);
        ctx.logUnknown(route.path(), f);
        var envelope = GenerationResponse.Envelope.now(route, model);
        return new GenerationResponse(ctx, envelope, plan.options(), plan.shape(), arrived)
                .send(ex, plan.prompt(), plan.requests());
    }

    /** One fresh {@link OutputText} per choice. */
    static List<OutputText> outputTexts(ServerContext ctx, GenerationOptions options, boolean keepLogprobs) {
        List<OutputText> texts = new ArrayList<>();
        for (int i = 0; i < options.n(); i++) {
            texts.add(new OutputText(ctx.model.tokenizer(), ctx.model.endOfTurnIds(), options.stops(), keepLogprobs));
        }
        return texts;
    }
}
