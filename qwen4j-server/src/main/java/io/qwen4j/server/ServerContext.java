package io.qwen4j.server;

import io.qwen4j.loader.LoadedModel;
import io.qwen4j.server.generation.GenerationRun;
import io.qwen4j.server.http.ApiException;
import io.qwen4j.server.metrics.ServerMetrics;
import io.qwen4j.server.openai.RequestFields;
import io.qwen4j.server.openai.ResponseStore;
import io.qwen4j.serving.GenerationService;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What every endpoint shares: the model, the generation service, options, metrics, the log, and shutdown state. */
public final class ServerContext {

    public final LoadedModel model;
    public final GenerationService service;
    public final ServerOptions options;
    public final ServerMetrics metrics;
    public final ServerLog log;
    /** Generations whose client is still being served; aborted when shutdown runs out of patience. */
    public final Set<GenerationRun> active = ConcurrentHashMap.newKeySet();
    public final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    /** Responses kept for {@code previous_response_id} and {@code GET /v1/responses/ID}. */
    public final ResponseStore responses = new ResponseStore();
    private volatile boolean draining;
    private volatile boolean aborting;

    public ServerContext(LoadedModel model, GenerationService service, ServerOptions options, ServerMetrics metrics, ServerLog log) {
        this.model = model;
        this.service = service;
        this.options = options;
        this.metrics = metrics;
        this.log = log;
    }

    /** Shutdown has begun: new requests are refused. */
    public boolean draining() {
        return draining;
    }

    /** Shutdown's grace period is over: every generation, even one registering now, is aborted. */
    public boolean aborting() {
        return aborting;
    }

    void startDraining() {
        draining = true;
    }

    void startAborting() {
        aborting = true;
    }

    /** Logs, in one line, the tools of a request that were left out because this server cannot offer them. */
    public void logSkippedTools(String path, List<String> tools) {
        if (!tools.isEmpty()) {
            log.warn("not offering tools this server cannot run on " + path + ": " + String.join(", ", tools));
        }
    }

    /** Logs, in one line, the request fields this server does not know (accepted, not acted on). */
    public void logUnknown(String path, RequestFields fields) {
        List<String> unknown = fields.unknown();
        if (!unknown.isEmpty()) {
            log.warn("ignoring unknown request fields on " + path + ": " + String.join(", ", unknown));
        }
    }

    /** The model's own id first, then the aliases. */
    public List<String> modelIds() {
        List<String> ids = new ArrayList<>();
        ids.add(model.name());
        options.aliases().stream().filter(a -> !ids.contains(a)).forEach(ids::add);
        return ids;
    }

    /** The id to echo in responses: the one the request named when it is ours (or any is accepted). */
    public String resolveModel(Optional<String> requested) {
        if (requested.isEmpty() || requested.get().isEmpty()) {
            return model.name();
        }
        String name = requested.get();
        if (modelIds().contains(name) || options.acceptAnyModel()) {
            return name;
        }
        throw ApiException.modelNotFound(name);
    }
}
