package io.qwen4j.server;

import io.qwen4j.loader.LoadedModel;
import io.qwen4j.serving.GenerationService;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What every endpoint shares: the model, the generation service, options, metrics, the log, and shutdown state. */
final class ServerContext {

    final LoadedModel model;
    final GenerationService service;
    final ServerOptions options;
    final ServerMetrics metrics;
    final ServerLog log;
    /** Generations whose client is still being served; aborted when shutdown runs out of patience. */
    final Set<GenerationRun> active = ConcurrentHashMap.newKeySet();
    final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    volatile boolean draining;
    /** Shutdown's grace period is over: every generation, even one registering now, is aborted. */
    volatile boolean aborting;

    ServerContext(LoadedModel model, GenerationService service, ServerOptions options, ServerMetrics metrics, ServerLog log) {
        this.model = model;
        this.service = service;
        this.options = options;
        this.metrics = metrics;
        this.log = log;
    }

    /** Logs, in one line, the request fields this server does not know (accepted, not acted on). */
    void logUnknown(String path, RequestFields fields) {
        List<String> unknown = fields.unknown();
        if (!unknown.isEmpty()) {
            log.warn("ignoring unknown request fields on " + path + ": " + String.join(", ", unknown));
        }
    }

    /** The model's own id first, then the aliases. */
    List<String> modelIds() {
        List<String> ids = new ArrayList<>();
        ids.add(model.name());
        options.aliases().stream().filter(a -> !ids.contains(a)).forEach(ids::add);
        return ids;
    }

    /** The id to echo in responses: the one the request named when it is ours (or any is accepted). */
    String resolveModel(Optional<String> requested) {
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
