package io.qwen4j.server;

import com.sun.net.httpserver.HttpServer;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.server.endpoint.ChatCompletionsEndpoint;
import io.qwen4j.server.endpoint.CompletionsEndpoint;
import io.qwen4j.server.endpoint.EmbeddingEndpoints;
import io.qwen4j.server.endpoint.InfoEndpoints;
import io.qwen4j.server.endpoint.MessagesEndpoint;
import io.qwen4j.server.endpoint.ResponsesEndpoint;
import io.qwen4j.server.endpoint.TokenizerEndpoints;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.http.ClientWatch;
import io.qwen4j.server.http.JsonRoute;
import io.qwen4j.server.metrics.ServerMetrics;
import io.qwen4j.serving.GenerationService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAI-compatible HTTP server: the JDK's {@link HttpServer}, one virtual thread per exchange, in
 * front of a {@link GenerationService}. It does not own the model or the service: whoever created them
 * closes them after {@link #close()}.
 *
 * <p>Routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models},
 * {@code GET /health} (open without a key), {@code GET /metrics}, {@code POST /v1/embeddings}, {@code POST /v1/rerank}
 * (also {@code /rerank}), {@code POST /tokenize},
 * {@code POST /detokenize}, {@code POST /apply-template}.
 */
public final class OpenAiServer implements AutoCloseable {

    private static final int BACKLOG = 1024;

    private final HttpServer http;
    private final ExecutorService executor;
    private final ServerContext ctx;
    private volatile boolean closed;

    private OpenAiServer(HttpServer http, ExecutorService executor, ServerContext ctx) {
        this.http = http;
        this.executor = executor;
        this.ctx = ctx;
    }

    /** Binds and starts serving. */
    public static OpenAiServer start(LoadedModel model, GenerationService service, ServerOptions options, ServerLog log) {
        // Without TCP_NODELAY every small SSE event waits for the client's delayed ACK (~40 ms). The JDK
        // server reads this once, when its configuration class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        ServerContext ctx = new ServerContext(model, service, options, new ServerMetrics(service.stats()), log);
        if (!ClientWatch.available()) {
            log.warn("non-streamed requests whose client disconnects run to the end: start the JVM with "
                    + "--add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED to notice them");
        }
        http.createContext("/v1/chat/completions", new ChatCompletionsEndpoint(ctx));
        http.createContext("/v1/completions", new CompletionsEndpoint(ctx));
        http.createContext("/v1/responses", new ResponsesEndpoint(ctx));
        http.createContext("/v1/messages", new MessagesEndpoint(ctx));
        http.createContext("/v1/models", new InfoEndpoints.Models(ctx));
        http.createContext("/health", new InfoEndpoints.Health(ctx));
        http.createContext("/metrics", new InfoEndpoints.Metrics(ctx));
        http.createContext("/v1/embeddings", new JsonRoute(ctx, EmbeddingEndpoints::embeddings));
        http.createContext("/v1/rerank", new JsonRoute(ctx, EmbeddingEndpoints::rerank));
        http.createContext("/rerank", new JsonRoute(ctx, EmbeddingEndpoints::rerank));
        http.createContext("/tokenize", new JsonRoute(ctx, TokenizerEndpoints::tokenize));
        http.createContext("/detokenize", new JsonRoute(ctx, TokenizerEndpoints::detokenize));
        http.createContext("/apply-template", new JsonRoute(ctx, TokenizerEndpoints::applyTemplate));
        http.createContext("/", new InfoEndpoints.NotFound(ctx));
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.start();
        return new OpenAiServer(http, executor, ctx);
    }

    /** {@code http://host:port} with the port actually bound. */
    public String url() {
        InetSocketAddress address = http.getAddress();
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + address.getPort();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public ServerMetrics metrics() {
        return ctx.metrics;
    }

    /**
     * Graceful shutdown: new requests get 503, running generations get the grace period to finish, then the
     * rest are cancelled (their streams end with an error event) and the listener closes.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ctx.startDraining();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.options.shutdownGraceMillis());
        while (!ctx.active.isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
        ctx.startAborting();
        if (!ctx.active.isEmpty()) {
            ctx.log.info("shutdown: cancelling " + ctx.active.size() + " running generation(s)");
            ctx.active.forEach(GenerationRun::abort);
        }
        // Lets handlers notice the cancellation and end their responses before the listener goes.
        http.stop(2);
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
