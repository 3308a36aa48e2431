package io.qwen4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The hub's HTTP side: GET with redirects followed by hand, because the token must reach the hub only,
 * never the CDN host a file download is redirected to (the JDK client would forward it). Status codes
 * become errors that name what was asked for (see {@link #check}).
 */
final class HubHttp {

    private static final int MAX_REDIRECTS = 10;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    /** What a request is for, to word its errors: the repo, the revision and (for files) the path. */
    record Target(ModelReference reference, String revision, String path) {
    }

    /**
     * A successful response (200, 206 or 416) and the hub's file headers, taken from whichever hop had
     * them: the hub sends {@code X-Linked-Etag} on its 302, not the CDN on the final answer.
     */
    record Response(int status, InputStream body, HttpHeaders headers, String linkedEtag, long linkedSize,
                    String etag) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private final HubConfig config;
    private final HttpClient client;

    HubHttp(HubConfig config) {
        this.config = config;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** GET {@code uri}; {@code rangeStart} > 0 asks for the bytes from there on ({@code Range: bytes=N-}). */
    Response get(URI uri, long rangeStart, Target target) throws IOException {
        URI current = uri;
        String linkedEtag = null;
        long linkedSize = -1;
        String etag = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current).GET().timeout(RESPONSE_TIMEOUT)
                    .header("User-Agent", "qwen4j/0.1");
            if (config.token() != null && sameOrigin(current, config.endpoint())) {
                request.header("Authorization", "Bearer " + config.token());
            }
            if (rangeStart > 0) {
                request.header("Range", "bytes=" + rangeStart + "-");
            }
            HttpResponse<InputStream> response = send(request.build());
            HttpHeaders headers = response.headers();
            linkedEtag = linkedEtag != null ? linkedEtag : unquote(headers.firstValue("X-Linked-Etag").orElse(null));
            linkedSize = linkedSize >= 0 ? linkedSize : headers.firstValueAsLong("X-Linked-Size").orElse(-1);
            etag = etag != null ? etag : unquote(headers.firstValue("ETag").orElse(null));
            int status = response.statusCode();
            if (status >= 300 && status < 400 && status != 304) {
                response.body().close();
                String location = headers.firstValue("Location")
                        .orElseThrow(() -> new IOException("HTTP " + status + " without Location from " + describe(target)));
                current = current.resolve(location);
                continue;
            }
            if (status == 200 || status == 206 || status == 416) {
                return new Response(status, response.body(), headers, linkedEtag, linkedSize, etag);
            }
            response.body().close();
            throw check(status, headers, target, current);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects fetching " + describe(target));
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted fetching " + request.uri());
        }
    }

    /**
     * Throws the error for a status that is not a success: bad input ({@link HubException}) for 401, 403
     * and 404; other statuses (5xx, 429) are returned as an IOException, a failure of the transfer.
     */
    private IOException check(int status, HttpHeaders headers, Target target, URI uri) {
        String repo = target.reference().repoId();
        String code = headers.firstValue("X-Error-Code").orElse("");
        String revision = target.revision();
        if (code.equals("RepoNotFound")) {
            throw new HubException("repository " + repo + " not found on " + config.endpoint()
                    + (config.token() == null ? " (if it is private, set HF_TOKEN)" : ""));
        }
        if (code.equals("RevisionNotFound")) {
            throw new HubException("revision " + revision + " not found in " + repo);
        }
        if (code.equals("EntryNotFound")) {
            throw new HubException("file " + target.path() + " not found in " + repo + " at revision " + revision);
        }
        if (status == 401 || status == 403) {
            throw new HubException(config.token() == null
                    ? repo + " is a gated or private repo: set HF_TOKEN (HTTP " + status + ")"
                    : repo + " refused HF_TOKEN (HTTP " + status + "): a gated or private repo; accept its terms on "
                            + config.endpoint() + "/" + repo + " or check the token's access");
        }
        if (status == 404) {
            throw new HubException("not found on the hub: " + uri + " (" + describe(target) + ")");
        }
        return new IOException("HTTP " + status + " from " + uri + " (" + describe(target) + ")");
    }

    private static String describe(Target target) {
        return target.path() == null
                ? target.reference().repoId() + "@" + target.revision()
                : target.path() + " of " + target.reference().repoId() + "@" + target.revision();
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** An ETag without quotes and weak prefix: {@code W/"abc"} → {@code abc}. */
    static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        String value = etag.trim();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value.isEmpty() ? null : value;
    }
}
