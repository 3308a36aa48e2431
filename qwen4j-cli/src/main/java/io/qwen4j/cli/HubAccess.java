package io.qwen4j.cli;

import io.qwen4j.hub.HubClient;
import io.qwen4j.hub.HubConfig;
import io.qwen4j.hub.ModelReference;
import io.qwen4j.hub.PulledModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CLI's one way to the Hugging Face hub, shared by {@code pull} and by {@code -m ORG/NAME[:QUANT]}
 * on every model command: configuration from the environment ({@code HF_ENDPOINT}, {@code HF_TOKEN},
 * {@code HF_HOME}, {@code HF_HUB_OFFLINE}) and progress on stderr.
 */
final class HubAccess {

    /** The environment read for the hub settings; tests point it at a fake hub (the JVM's cannot be changed). */
    static Map<String, String> environment = System.getenv();

    private static final Pattern FILE_SUFFIX = Pattern.compile("(?i)\\.(gguf|safetensors|json|bin)$");

    private HubAccess() {
    }

    /**
     * True when a {@code -m} value means a hub model ({@code ORG/NAME[:QUANT]}, pulled on first use) rather
     * than a local file or folder: it has that shape and no such path exists.
     */
    static boolean isReference(String model) {
        try {
            // "models/qwen.gguf" that does not exist is a mistyped file, not a repo: let it fail as one.
            return ModelReference.looksLike(model) && !FILE_SUFFIX.matcher(model).find() && !Files.exists(Path.of(model));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** A {@code -m} value as a local path: a hub reference is pulled (or found in the cache) first. */
    static Path resolveModel(String model, PrintStream log) throws IOException {
        return isReference(model) ? pull(model, null, log).path() : Path.of(model);
    }

    /** Pulls {@code reference} ({@code ORG/NAME[:QUANT]}) at {@code revision} (null: main), reporting on {@code log}. */
    static PulledModel pull(String reference, String revision, PrintStream log) throws IOException {
        ModelReference parsed = ModelReference.parse(reference);
        var client = new HubClient(HubConfig.fromEnvironment(environment));
        PulledModel model = client.pull(parsed, revision, new PullProgress(log, PullProgress.onTerminal(), parsed.toString()));
        log.println("pull: " + parsed + " at " + model.sha() + (model.fromCache() ? " (from the cache)" : "") + ": " + model.path());
        return model;
    }
}
