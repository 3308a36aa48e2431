package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.server.GenerationServices;
import io.qwen4j.server.OpenAiServer;
import io.qwen4j.server.ReasoningField;
import io.qwen4j.server.ServerLog;
import io.qwen4j.server.ServerOptions;
import io.qwen4j.server.ServerWarmUp;
import io.qwen4j.serving.GenerationService;
import io.qwen4j.synth.DemoModel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j serve}: the OpenAI-compatible HTTP server. Loads the model (or the labelled demo model),
 * prints the URL, and serves until SIGINT/SIGTERM, which shuts down gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over HTTP: OpenAI's API (/v1/chat/completions, /v1/completions, /v1/responses, …) and Anthropic's (/v1/messages).")
public final class ServeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    SpeculationMixin speculation;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0 = any free port; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require this key (Authorization: Bearer KEY or x-api-key) on every route but /health.")
    String apiKey;

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "Read the API key from the first line of FILE.")
    Path apiKeyFile;

    @Option(names = "--alias", paramLabel = "NAME", description = "A further model id to answer to (repeatable).")
    List<String> aliases = new ArrayList<>();

    @Option(names = "--accept-any-model", description = "Answer requests whatever model they name.")
    boolean acceptAnyModel;

    @Option(names = "--ctx", paramLabel = "N", description = "Context of one sequence in tokens (default: the model's, at most 4096).")
    Integer ctx;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "Sequences generated at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "64", description = "Requests allowed to wait; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", defaultValue = "f16", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String kvCacheType;

    @Option(names = "--reasoning-field", paramLabel = "NAME", defaultValue = "reasoning_content",
            description = "Name of the reasoning text: reasoning_content, reasoning or both (default: ${DEFAULT-VALUE}).")
    String reasoningField;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "16777216", description = "Largest request body; larger gets 413 (default: ${DEFAULT-VALUE}).")
    long maxBody;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "10", description = "On shutdown, how long running streams may finish before they are cancelled (default: ${DEFAULT-VALUE}).")
    int shutdownGrace;

    @Option(names = "--no-warmup", description = "Skip the warm-up requests run before the server opens "
            + "(they let the JIT compile the kernels so the first request is not slowed by it).")
    boolean noWarmup;

    /** Below this context the warm-up's chat prompt and output do not fit; such a server starts cold. */
    private static final int MIN_WARMUP_CONTEXT = 64;

    /**
     * How long the server stays closed for the warm-up. A slower warm-up goes on in the background after the
     * server opens (real requests then share its forward passes): the JIT's share of a first request is a few
     * seconds whatever the model, while the warm-up's own work grows with it (0.6B Q8_0: 5 s, 1.7B: 8 s; a 4B
     * Q8_0 did not finish in 15 s), so a big model is not kept closed long.
     */
    private static final long WARMUP_WAIT_SECONDS = 10;
    /** A warm-up still running after this is cancelled. */
    private static final long WARMUP_LIMIT_SECONDS = 300;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        String key = apiKey();
        KvCacheType kvType = KvCacheType.parse(kvCacheType);
        SpeculationOptions speculative = speculation.options();
        ReasoningField field = ReasoningField.parse(reasoningField);
        LoadedModel loaded = model.load(err);
        LoadedModel draft = null;
        GenerationService service;
        OpenAiServer server;
        try {
            draft = speculation.loadDraft(model, loaded, err);
            speculative = SpeculationMixin.withDraft(speculative, draft);
            loaded.chatTemplate(); // parsed now (it is lazy), so the first request does not wait for it
            int context = ctx != null ? ctx : Math.min(4096, loaded.config().contextLength());
            service = GenerationServices.create(loaded, kvType, context, parallel, maxQueue, speculative);
            if (!noWarmup && context >= MIN_WARMUP_CONTEXT) {
                warmUp(service, loaded, err);
            }
            String label = model.model == null ? DemoModel.LABEL : null;
            ServerOptions options = new ServerOptions(host, port, key, aliases, acceptAnyModel, field, maxBody, label,
                    shutdownGrace * 1000L);
            server = OpenAiServer.start(loaded, service, options, new ServerLog(err));
            out.println("qwen4j serving '" + loaded.name() + "'" + (label == null ? "" : " (" + label + ")")
                    + " at " + server.url() + "/v1  (context " + context + ", KV " + kvType.label()
                    + (key == null ? "" : ", API key required") + "; Ctrl-C to stop)");
        } catch (RuntimeException e) {
            loaded.close();
            if (draft != null) {
                draft.close();
            }
            throw e;
        }
        LoadedModel draftModel = draft;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("qwen4j: shutting down");
            server.close();
            service.close();
            loaded.close();
            if (draftModel != null) {
                draftModel.close();
            }
            stopped.countDown();
        }, "qwen4j-shutdown"));
        stopped.await();
        return 0;
    }

    private static void warmUp(GenerationService service, LoadedModel loaded, PrintStream err) {
        var warm = new java.util.concurrent.CompletableFuture<Long>();
        Thread.ofPlatform().daemon().name("qwen4j-warmup").start(() -> {
            try {
                warm.complete(ServerWarmUp.run(loaded, service, Duration.ofSeconds(WARMUP_LIMIT_SECONDS)));
            } catch (RuntimeException e) {
                warm.completeExceptionally(e);
            }
        });
        // a failed or slow warm-up costs speed only: reported, never fatal
        warm.whenComplete((millis, e) -> err.println(e == null
                ? "qwen4j: warmed up in " + millis + " ms (--no-warmup skips it)"
                : "qwen4j: warning: " + e.getMessage() + "; serving anyway"));
        try {
            warm.get(WARMUP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            err.println("qwen4j: the warm-up goes on in the background (over " + WARMUP_WAIT_SECONDS + " s)");
        } catch (java.util.concurrent.ExecutionException e) {
            // reported by whenComplete above
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String apiKey() throws java.io.IOException {
        if (apiKey != null && apiKeyFile != null) {
            throw new InvalidInputException("give --api-key or --api-key-file, not both");
        }
        if (apiKeyFile == null) {
            return apiKey;
        }
        List<String> lines = Files.readAllLines(apiKeyFile, StandardCharsets.UTF_8);
        if (lines.isEmpty() || lines.getFirst().isBlank()) {
            throw new InvalidInputException("API key file " + apiKeyFile + " is empty");
        }
        return lines.getFirst().strip();
    }
}
