package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwen4j pull} and {@code -m ORG/NAME:QUANT} against a minimal loopback hub: stdout carries only
 * the path, errors are one line with the contract's exit codes. (The protocol's corner cases are tested
 * in qwen4j-core's io.qwen4j.hub tests.)
 */
class PullCommandTest {

    private static final String SHA = "c".repeat(40);

    @TempDir
    Path home;

    private HttpServer server;
    private byte[] gguf;
    private final AtomicInteger downloads = new AtomicInteger();
    private Map<String, String> originalEnvironment;

    @BeforeEach
    void startHub() throws Exception {
        gguf = new byte[40_000];
        new Random(3).nextBytes(gguf);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gguf));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            try (exchange) {
                serve(exchange, sha256);
            }
        });
        server.start();
        originalEnvironment = HubAccess.environment;
        HubAccess.environment = Map.of("HF_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort(),
                "HF_HOME", home.toString());
    }

    private void serve(HttpExchange exchange, String sha256) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String listed = path.startsWith("/api/models/Org/Bad-GGUF") ? "0".repeat(64) : sha256;
        if (path.equals("/api/models/Org/Tiny-GGUF") || path.equals("/api/models/Org/Bad-GGUF")) {
            byte[] json = ("{\"sha\":\"" + SHA + "\",\"siblings\":[{\"rfilename\":\"README.md\",\"size\":3},"
                    + "{\"rfilename\":\"Tiny-Q8_0.gguf\",\"size\":" + gguf.length + ",\"lfs\":{\"sha256\":\"" + listed
                    + "\",\"size\":" + gguf.length + "}}]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, json.length);
            exchange.getResponseBody().write(json);
        } else if (path.endsWith("/resolve/main/Tiny-Q8_0.gguf")) {
            downloads.incrementAndGet();
            exchange.getResponseHeaders().set("X-Repo-Commit", SHA);
            exchange.getResponseHeaders().set("ETag", '"' + sha256 + '"');
            exchange.sendResponseHeaders(200, gguf.length);
            exchange.getResponseBody().write(gguf);
        } else {
            exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            exchange.sendResponseHeaders(404, -1);
        }
    }

    @AfterEach
    void stopHub() {
        HubAccess.environment = originalEnvironment;
        server.stop(0);
    }

    @Test
    void pullPrintsOnlyTheLocalPathOnStdout() throws IOException {
        CliRun run = CliRun.run("", "pull", "Org/Tiny-GGUF:Q8_0");

        assertEquals(0, run.status(), run.err());
        Path expected = home.resolve("hub/models--Org--Tiny-GGUF/snapshots/" + SHA + "/Tiny-Q8_0.gguf");
        assertEquals(expected + System.lineSeparator(), run.out());
        assertArrayEquals(gguf, Files.readAllBytes(expected));
        assertTrue(run.err().contains("pull: Org/Tiny-GGUF:Q8_0: downloading 1 file"), run.err());
        assertTrue(run.err().contains("pull: done"), run.err());

        CliRun again = CliRun.run("", "pull", "Org/Tiny-GGUF:Q8_0");
        assertEquals(expected + System.lineSeparator(), again.out());
        assertEquals(1, downloads.get(), "the second pull downloads nothing");
    }

    @Test
    void errorsAreOneLineWithTheContractsExitCodes() {
        CliRun missing = CliRun.run("", "pull", "Org/Missing");
        assertEquals(Main.EXIT_BAD_INPUT, missing.status());
        assertEquals("", missing.out());
        assertTrue(missing.err().startsWith("qwen4j: repository Org/Missing not found"), missing.err());
        assertEquals(1, missing.err().lines().count(), missing.err());

        CliRun badQuant = CliRun.run("", "pull", "Org/Tiny-GGUF:Q2_K");
        assertEquals(Main.EXIT_BAD_INPUT, badQuant.status());
        assertTrue(badQuant.err().contains("available: Q8_0"), badQuant.err());

        CliRun corrupt = CliRun.run("", "pull", "Org/Bad-GGUF:Q8_0");
        assertEquals(Main.EXIT_FAILURE, corrupt.status());
        assertTrue(corrupt.err().contains("sha256 mismatch for Tiny-Q8_0.gguf"), corrupt.err());
        assertFalse(Files.exists(home.resolve("hub/models--Org--Bad-GGUF/snapshots/" + SHA + "/Tiny-Q8_0.gguf")));

        CliRun notAReference = CliRun.run("", "pull", "just-a-name");
        assertEquals(Main.EXIT_BAD_INPUT, notAReference.status());
    }

    @Test
    void modelOptionPullsAReferenceButKeepsExistingPaths() throws IOException {
        var options = new ModelOptions();
        options.model = "Org/Tiny-GGUF:Q8_0";
        var log = new ByteArrayOutputStream();
        Path resolved = options.resolve(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertArrayEquals(gguf, Files.readAllBytes(resolved));
        assertTrue(resolved.startsWith(home.resolve("hub/models--Org--Tiny-GGUF")), resolved.toString());

        // An existing path of that shape (relative, DIR/FILE) is a path, not a reference.
        Path local = Path.of("target", "pull-test-local.gguf");
        Files.createDirectories(local.getParent());
        Files.write(local, new byte[] {1});
        try {
            options.model = local.toString();
            assertTrue(io.qwen4j.hub.ModelReference.looksLike(options.model));
            assertTrue(HubAccess.isReference("target/missing-model"));
            assertFalse(HubAccess.isReference(options.model));
            assertFalse(HubAccess.isReference("models/missing.gguf"), "a missing .gguf file is a file");
            assertEquals(local, options.resolve(new PrintStream(log, true, StandardCharsets.UTF_8)));
        } finally {
            Files.delete(local);
        }
        assertEquals(1, downloads.get());
    }
}
