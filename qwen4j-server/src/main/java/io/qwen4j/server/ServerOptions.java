package io.qwen4j.server;

import io.qwen4j.InvalidInputException;
import java.util.List;

/**
 * How the server listens and whom it answers.
 *
 * @param port           0 = any free port (see {@link OpenAiServer#url()})
 * @param apiKey         null = no authentication
 * @param aliases        further model ids accepted besides the model's own name
 * @param acceptAnyModel answer whatever model a request names (clients with fixed names)
 * @param maxBodyBytes   larger request bodies get 413
 * @param modelLabel     a note shown in logs and /v1/models (e.g. the demo model's warning), or null
 * @param shutdownGraceMillis how long a shutdown lets running streams finish before cancelling them
 */
public record ServerOptions(String host, int port, String apiKey, List<String> aliases, boolean acceptAnyModel,
                            ReasoningField reasoningField, long maxBodyBytes, String modelLabel,
                            long shutdownGraceMillis) {

    public static final long DEFAULT_MAX_BODY_BYTES = 16L << 20;

    public ServerOptions {
        if (port < 0 || port > 65_535) {
            throw new InvalidInputException("port must be in 0..65535, got " + port);
        }
        if (maxBodyBytes < 1) {
            throw new InvalidInputException("body size limit must be >= 1 byte, got " + maxBodyBytes);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new InvalidInputException("the API key is empty");
        }
        aliases = List.copyOf(aliases);
    }

    /** Loopback, a free port, no key, default limits: for tests and embedding. */
    public static ServerOptions loopback() {
        return new ServerOptions("127.0.0.1", 0, null, List.of(), false, ReasoningField.REASONING_CONTENT,
                DEFAULT_MAX_BODY_BYTES, null, 5_000);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, key, aliases, acceptAnyModel, reasoningField, maxBodyBytes, modelLabel,
                shutdownGraceMillis);
    }

    public ServerOptions withMaxBodyBytes(long limit) {
        return new ServerOptions(host, port, apiKey, aliases, acceptAnyModel, reasoningField, limit, modelLabel,
                shutdownGraceMillis);
    }

    public ServerOptions withAliases(List<String> names, boolean acceptAny) {
        return new ServerOptions(host, port, apiKey, names, acceptAny, reasoningField, maxBodyBytes, modelLabel,
                shutdownGraceMillis);
    }

    public ServerOptions withShutdownGraceMillis(long millis) {
        return new ServerOptions(host, port, apiKey, aliases, acceptAnyModel, reasoningField, maxBodyBytes, modelLabel,
                millis);
    }

    public ServerOptions withReasoningField(ReasoningField field) {
        return new ServerOptions(host, port, apiKey, aliases, acceptAnyModel, field, maxBodyBytes, modelLabel,
                shutdownGraceMillis);
    }
}
