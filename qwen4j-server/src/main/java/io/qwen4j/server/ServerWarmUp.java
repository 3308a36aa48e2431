package io.qwen4j.server;

import io.qwen4j.loader.LoadedModel;
import io.qwen4j.serving.GenerationService;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Requests sent to a throwaway loopback server on the real model and service, before (or, for a slow model,
 * while: the caller's choice) the real server opens, so that the JIT has compiled what a request runs by the
 * time a client comes: in a cold JVM a first request
 * spent 2.7-4.4 s (0.6B model) in interpreted and C1-compiled code, boxed Vector API kernels above all, where
 * a warm one took 0.15-0.5 s. llama-server warms up likewise (its {@code --no-warmup} turns it off).
 *
 * <p>The requests take the paths clients take: a greedy completion alone (batched prefill, decode steps of
 * one sequence: the one-row kernels), then a streamed and a non-streamed chat completion at once with
 * Qwen's sampling defaults (decode steps of a batch: the batched kernels; the template, the reasoning
 * parser, SSE). A model without a chat template gets two completions instead. The throwaway server has its
 * own metrics, so the real server's counters start at zero; the outputs are discarded. Like any finished
 * request's, their KV blocks may stay in the prefix cache until evicted.
 */
public final class ServerWarmUp {

    private static final String COMPLETION = "{\"prompt\":\"Hello, world! The weather today\",\"max_tokens\":3,\"temperature\":0}";
    private static final String CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}],\"max_tokens\":3,"
            + "\"chat_template_kwargs\":{\"enable_thinking\":false},\"seed\":1";
    private static final String SAMPLED_COMPLETION = "{\"prompt\":\"Once upon a time\",\"max_tokens\":3,\"seed\":1,"
            + "\"temperature\":0.7,\"top_p\":0.8,\"top_k\":20";

    private ServerWarmUp() {
    }

    /**
     * Runs the warm-up and returns its wall time in milliseconds.
     *
     * @throws IllegalStateException naming the request if one fails, or if the whole warm-up takes longer
     *                               than {@code timeout}
     */
    public static long run(LoadedModel model, GenerationService service, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        var quiet = new ServerLog(new PrintStream(OutputStream.nullOutputStream()));
        var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        // no shutdown grace: a warm-up given up on is cancelled at once, not waited for
        var options = new ServerOptions("127.0.0.1", 0, null, List.of(), false, ReasoningField.REASONING_CONTENT,
                ServerOptions.DEFAULT_MAX_BODY_BYTES, null, 0);
        try (var server = OpenAiServer.start(model, service, options, quiet)) {
            String url = server.url();
            await(List.of(post(client, url, "/v1/completions", COMPLETION)), deadline);
            boolean chat = model.chatTemplate().isPresent();
            await(List.of(
                    chat ? post(client, url, "/v1/chat/completions", CHAT + ",\"stream\":true}")
                            : post(client, url, "/v1/completions", SAMPLED_COMPLETION + ",\"stream\":true}"),
                    chat ? post(client, url, "/v1/chat/completions", CHAT + "}")
                            : post(client, url, "/v1/completions", SAMPLED_COMPLETION + "}")), deadline);
        } finally {
            client.shutdownNow(); // no waiting for an exchange a failed or late warm-up left behind
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private record Sent(String path, CompletableFuture<HttpResponse<String>> response) {
    }

    private static Sent post(HttpClient client, String url, String path, String body) {
        var request = HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return new Sent(path, client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }

    private static void await(List<Sent> sent, long deadline) {
        List<Sent> pending = new ArrayList<>(sent);
        try {
            for (Sent s : sent) {
                HttpResponse<String> response = s.response().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                pending.remove(s);
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("warm-up request " + s.path() + " answered " + response.statusCode()
                            + ": " + abbreviate(response.body()));
                }
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("the warm-up did not finish in time", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof IOException io ? io : e;
            throw new IllegalStateException("warm-up request failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the warm-up was interrupted", e);
        } finally {
            // what is still running ends when the throwaway server closes (its generations are cancelled)
            pending.forEach(s -> s.response().cancel(true));
        }
    }

    private static String abbreviate(String body) {
        return body.length() <= 200 ? body : body.substring(0, 200) + "…";
    }
}
