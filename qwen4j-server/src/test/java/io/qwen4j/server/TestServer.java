package io.qwen4j.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server on loopback over a tiny synthetic Qwen3 model (random weights, the real Qwen3 tokenizer and
 * chat template), with the OpenAI SDK and a raw HTTP client pointed at it.
 */
final class TestServer implements AutoCloseable {

    static final String MODEL_NAME = "tiny-qwen3";
    private static Path modelFile;
    private static LoadedModel sharedModel;

    final LoadedModel model;
    final GenerationService service;
    final OpenAiServer server;
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(ServerOptions options, int context, int maxQueue, SpeculationOptions speculation)
            throws IOException {
        this.model = sharedModel();
        this.service = GenerationServices.create(model, KvCacheType.F32, context, 4, maxQueue, speculation);
        this.server = OpenAiServer.start(model, service, options,
                new ServerLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8)));
    }

    static TestServer start(ServerOptions options, int context, int maxQueue) {
        try {
            return new TestServer(options, context, maxQueue, SpeculationOptions.OFF);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TestServer start() {
        return start(ServerOptions.loopback(), 512, 64);
    }

    /** A server that decodes speculatively as {@code speculation} says. */
    static TestServer startSpeculative(SpeculationOptions speculation) {
        try {
            return new TestServer(ServerOptions.loopback(), 512, 64, speculation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loaded once per test JVM and never closed: loading the vocabulary takes seconds. */
    static synchronized LoadedModel sharedModel() throws IOException {
        if (sharedModel == null) {
            sharedModel = ModelLoader.load(modelFile(), LoadOptions.defaults().withThreads(1));
        }
        return sharedModel;
    }

    /** One layer, 64 wide: a token costs about a millisecond, so whole conversations run in tests. */
    static synchronized Path modelFile() throws IOException {
        if (modelFile == null) {
            // Synthesizing takes seconds (the real vocabulary is 151,936 rows): kept in target/ across runs.
            Path dir = Path.of("target", "test-models");
            Files.createDirectories(dir);
            Path file = dir.resolve(MODEL_NAME + ".gguf");
            if (Files.isRegularFile(file)) {
                modelFile = file;
                return file;
            }
            Path partial = Files.createTempFile(dir, MODEL_NAME, ".partial");
            SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 128, 0, 0, 0, 151_936, 2048, true,
                    TensorType.Q8_0, TensorType.Q8_0, false, null, sharedDir().resolve("qwen/qwen3"), 7), partial);
            Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            modelFile = file;
        }
        return modelFile;
    }

    static Path sharedDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (d.resolve("../shared/README.md").toFile().isFile()) {
                return d.resolve("../shared").normalize();
            }
        }
        throw new IllegalStateException("../shared not found above " + Path.of("").toAbsolutePath());
    }

    String url() {
        return server.url();
    }

    String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    OpenAIClient client() {
        return client("unused");
    }

    OpenAIClient client(String apiKey) {
        return OpenAIOkHttpClient.builder().baseUrl(url() + "/v1").apiKey(apiKey).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        service.close();
        http.close();
    }
}
