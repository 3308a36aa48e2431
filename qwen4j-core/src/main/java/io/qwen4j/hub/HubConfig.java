package io.qwen4j.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the hub is and where its files are cached, read from the same environment variables as
 * Hugging Face's own {@code huggingface_hub} so both tools share one cache.
 *
 * @param endpoint the hub's base URL ({@code HF_ENDPOINT}, default {@code https://huggingface.co})
 * @param token    the access token sent as {@code Authorization: Bearer} ({@code HF_TOKEN}, else the file
 *                 {@code HF_TOKEN_PATH} or {@code $HF_HOME/token} that {@code hf auth login} writes), or null
 * @param cacheDir the hub cache ({@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 *                 {@code ~/.cache/huggingface/hub}); repos live in {@code models--ORG--NAME} below it
 * @param offline  never touch the network, use the cache only ({@code HF_HUB_OFFLINE=1})
 */
public record HubConfig(URI endpoint, String token, Path cacheDir, boolean offline) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubConfig {
        String base = endpoint.toString();
        if (base.endsWith("/")) {
            endpoint = URI.create(base.substring(0, base.length() - 1));
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
    }

    /** The configuration the environment {@code env} (normally {@link System#getenv()}) describes. */
    public static HubConfig fromEnvironment(Map<String, String> env) {
        String endpoint = nonBlank(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new HubException("HF_ENDPOINT is not a URL: " + endpoint);
        }
        if (uri.getScheme() == null || uri.getHost() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new HubException("HF_ENDPOINT is not an http(s) URL: " + endpoint);
        }
        String token = nonBlank(env.get("HF_TOKEN"), nonBlank(env.get("HUGGING_FACE_HUB_TOKEN"), null));
        Path home = nonBlank(env.get("HF_HOME"), null) != null ? Path.of(env.get("HF_HOME"))
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface");
        if (token == null) {
            // Where `hf auth login` (huggingface-cli login) stores it, so a logged-in user needs no variable.
            token = readToken(Path.of(nonBlank(env.get("HF_TOKEN_PATH"), home.resolve("token").toString())));
        }
        Path cache;
        if (nonBlank(env.get("HF_HUB_CACHE"), null) != null) {
            cache = Path.of(env.get("HF_HUB_CACHE"));
        } else {
            cache = home.resolve("hub");
        }
        String offline = nonBlank(env.get("HF_HUB_OFFLINE"), "0").trim().toLowerCase(Locale.ROOT);
        boolean isOffline = offline.equals("1") || offline.equals("true") || offline.equals("yes") || offline.equals("on");
        return new HubConfig(uri, token, cache, isOffline);
    }

    private static String readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? nonBlank(Files.readString(file).strip(), null) : null;
        } catch (IOException | UncheckedIOException e) {
            return null; // an unreadable token file is the same as none: the hub will say 401 if it matters
        }
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
