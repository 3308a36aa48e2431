package io.qwen4j.hub;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback stand-in for the Hugging Face hub, written from the protocol in ../shared/CONTRACTS.md:
 * the model API, {@code resolve} URLs with the hub's headers, single-range requests, 302s to a "CDN" on
 * another port (another origin), 401 for gated repos, 404 with {@code X-Error-Code}. It logs every
 * request and can misbehave on purpose (cut a transfer, lie about a checksum, ignore ranges).
 */
final class FakeHub implements AutoCloseable {

    static final String TOKEN = "hf_test_token";

    /** A file of a repo; {@code lfs} files carry a sha256 in the API and X-Linked-* headers. */
    record File(byte[] content, boolean lfs) {
        String sha256() {
            return hex("SHA-256", content);
        }

        /** Git's blob id, the ETag the hub gives files kept in git. */
        String gitSha1() {
            byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[header.length + content.length];
            System.arraycopy(header, 0, all, 0, header.length);
            System.arraycopy(content, 0, all, header.length, content.length);
            return hex("SHA-1", all);
        }
    }

    /** A repo: its files at one commit, the revisions naming it, and whether it needs the token. */
    record Repo(String sha, Map<String, File> files, List<String> revisions, boolean gated, List<String> ghosts) {
    }

    /** A request as the server saw it. */
    record Request(String server, String method, String path, String range, String authorization) {
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** path → how many more transfers of it to cut, and after how many bytes. */
    private final Map<String, AtomicInteger> cuts = new ConcurrentHashMap<>();
    private final Map<String, Integer> cutAfter = new ConcurrentHashMap<>();
    /** path → the sha256 the API and headers claim instead of the real one. */
    final Map<String, String> lies = new ConcurrentHashMap<>();
    volatile boolean redirectToCdn;
    volatile boolean ignoreRange;
    /** When set, files kept in git get one made-up ETag instead of their git blob id. */
    volatile boolean constantEtag;
    /** When set, a cut transfer first goes silent for this long (a stalled server) before the socket closes. */
    volatile long stallMillis;

    FakeHub() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 64);
        cdn = HttpServer.create(loopback, 64);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        // Downloads run in parallel and a stalling handler must not hold up the others.
        hub.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        cdn.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        hub.start();
        cdn.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    void add(String repoId, Repo repo) {
        repos.put(repoId, repo);
    }

    /** The next {@code times} transfers of {@code path} stop after {@code bytes} bytes, the connection closed. */
    void cut(String path, int bytes, int times) {
        cutAfter.put(path, bytes);
        cuts.put(path, new AtomicInteger(times));
    }

    List<Request> downloads() {
        return requests.stream().filter(r -> r.path().contains("/resolve/") || r.server().equals("cdn")).toList();
    }

    private void handleHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            log("hub", exchange);
            String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            if (path.startsWith("/api/models/")) {
                api(exchange, path.substring("/api/models/".length()));
            } else {
                resolve(exchange, path.substring(1));
            }
        }
    }

    private void api(HttpExchange exchange, String rest) throws IOException {
        String[] parts = rest.split("/", 4); // ORG, NAME, ["revision", REV]
        Repo repo = repos.get(parts[0] + "/" + parts[1]);
        if (repo == null) {
            error(exchange, 404, "RepoNotFound");
            return;
        }
        if (!authorized(exchange, repo)) {
            return;
        }
        if (parts.length == 4 && !repo.revisions().contains(parts[3])) {
            error(exchange, 404, "RevisionNotFound");
            return;
        }
        boolean blobs = "blobs=true".equals(exchange.getRequestURI().getQuery());
        var json = new StringBuilder("{\"id\":\"" + parts[0] + "/" + parts[1] + "\",\"sha\":\"" + repo.sha() + "\",\"siblings\":[");
        Map<String, File> listed = new LinkedHashMap<>(repo.files());
        repo.ghosts().forEach(g -> listed.put(g, new File(new byte[0], false)));
        boolean firstFile = true;
        for (var e : listed.entrySet()) {
            json.append(firstFile ? "" : ",").append("{\"rfilename\":\"").append(e.getKey()).append('"');
            firstFile = false;
            if (blobs) {
                File f = e.getValue();
                json.append(",\"size\":").append(f.content().length);
                if (f.lfs()) {
                    json.append(",\"lfs\":{\"sha256\":\"").append(claimedSha(e.getKey(), f))
                            .append("\",\"size\":").append(f.content().length).append(",\"pointerSize\":134}");
                }
            }
            json.append('}');
        }
        json.append("]}");
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, 200, json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void resolve(HttpExchange exchange, String path) throws IOException {
        // ORG/NAME/resolve/REV/PATH
        String[] parts = path.split("/", 5);
        Repo repo = parts.length == 5 ? repos.get(parts[0] + "/" + parts[1]) : null;
        if (repo == null || !parts[2].equals("resolve")) {
            error(exchange, 404, "RepoNotFound");
            return;
        }
        if (!authorized(exchange, repo)) {
            return;
        }
        if (!repo.revisions().contains(parts[3]) && !repo.sha().equals(parts[3])) {
            error(exchange, 404, "RevisionNotFound");
            return;
        }
        File file = repo.files().get(parts[4]);
        if (file == null) {
            error(exchange, 404, "EntryNotFound");
            return;
        }
        Headers h = exchange.getResponseHeaders();
        h.set("X-Repo-Commit", repo.sha());
        if (file.lfs()) {
            h.set("ETag", '"' + claimedSha(parts[4], file) + '"');
            h.set("X-Linked-Etag", '"' + claimedSha(parts[4], file) + '"');
            h.set("X-Linked-Size", Long.toString(file.content().length));
            if (redirectToCdn) {
                h.set("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + parts[0] + "/" + parts[1]
                        + "/" + parts[4] + "?signature=x");
                exchange.sendResponseHeaders(302, -1);
                return;
            }
        } else {
            h.set("ETag", '"' + (constantEtag ? "0123456789abcdef" : file.gitSha1()) + '"');
        }
        serve(exchange, parts[4], file);
    }

    private void handleCdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            log("cdn", exchange);
            String[] parts = exchange.getRequestURI().getPath().substring("/blobs/".length()).split("/", 3);
            Repo repo = repos.get(parts[0] + "/" + parts[1]);
            File file = repo == null ? null : repo.files().get(parts[2]);
            if (file == null) {
                send(exchange, 404, new byte[0]);
                return;
            }
            serve(exchange, parts[2], file);
        }
    }

    /** Sends the file, honouring one {@code Range: bytes=N-}, possibly cut short on purpose. */
    private void serve(HttpExchange exchange, String path, File file) throws IOException {
        byte[] content = file.content();
        int start = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null && !ignoreRange) {
            start = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            if (start >= content.length) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Range",
                    "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
        }
        exchange.sendResponseHeaders(start > 0 ? 206 : 200, content.length - start);
        OutputStream body = exchange.getResponseBody();
        AtomicInteger remainingCuts = cuts.get(path);
        if (remainingCuts != null && remainingCuts.getAndDecrement() > 0) {
            int n = Math.min(cutAfter.get(path), content.length - start);
            body.write(content, start, n);
            body.flush();
            if (stallMillis > 0) {
                try {
                    Thread.sleep(stallMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Close the socket under the declared Content-Length: the client sees the connection end mid-file.
            throw new CutConnection();
        }
        body.write(content, start, content.length - start);
    }

    /** Thrown out of a handler so the JDK server drops the connection without finishing the body. */
    private static final class CutConnection extends RuntimeException {
    }

    private boolean authorized(HttpExchange exchange, Repo repo) throws IOException {
        if (repo.gated() && !("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            error(exchange, 401, "GatedRepo");
            return false;
        }
        return true;
    }

    private String claimedSha(String path, File file) {
        return lies.getOrDefault(path, file.sha256());
    }

    private void log(String server, HttpExchange exchange) {
        Headers h = exchange.getRequestHeaders();
        requests.add(new Request(server, exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                h.getFirst("Range"), h.getFirst("Authorization")));
    }

    private static void error(HttpExchange exchange, int status, String code) throws IOException {
        exchange.getResponseHeaders().set("X-Error-Code", code);
        send(exchange, status, ("{\"error\":\"" + code + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }
}
