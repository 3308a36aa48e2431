package io.qwen4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a loopback fake hub: selection, cache layout, no second download, resume, redirects. */
class HubClientTest extends FakeHubFixture {

    /**
     * The resumed request asks for the bytes after those kept. The server wrote {@code cut} bytes before
     * closing; TCP may deliver fewer (a reset can drop the tail), never more.
     */
    private static void assertResumedWithin(String range, long cut) {
        assertTrue(range != null && range.matches("bytes=\\d+-"), "a single open range: " + range);
        long start = Long.parseLong(range.substring(6, range.length() - 1));
        assertTrue(start > 0 && start <= cut, range + " after a cut at " + cut);
    }

    @Test
    void quantPicksOneGgufAndLaysOutTheCacheLikeHuggingFace() throws IOException {
        PulledModel model = pull(GGUF_REPO + ":Q8_0");

        Path snapshot = repoDir(GGUF_REPO).resolve("snapshots").resolve(GGUF_SHA);
        assertEquals(snapshot.resolve("Tiny-Q8_0.gguf"), model.path());
        assertEquals(snapshot, model.snapshot());
        assertEquals(GGUF_SHA, model.sha());
        assertFalse(model.fromCache());
        byte[] expected = ggufFiles.get("Tiny-Q8_0.gguf").content();
        assertArrayEquals(expected, Files.readAllBytes(model.path()));
        // snapshots/<sha>/<file> -> ../../blobs/<sha256>, refs/main holds the commit
        String sha256 = FakeHub.hex("SHA-256", expected);
        assertTrue(Files.isSymbolicLink(model.path()));
        assertEquals(Path.of("../../blobs/" + sha256), Files.readSymbolicLink(model.path()));
        assertTrue(Files.isRegularFile(repoDir(GGUF_REPO).resolve("blobs").resolve(sha256)));
        assertEquals(GGUF_SHA, Files.readString(repoDir(GGUF_REPO).resolve("refs/main")));
        // only the chosen file was fetched: no README, no other quant
        assertEquals(1, hub.downloads().size());
        assertTrue(hub.downloads().getFirst().path().endsWith("/resolve/main/Tiny-Q8_0.gguf"));
        assertTrue(hub.requests.getFirst().path().equals("/api/models/" + GGUF_REPO + "?blobs=true"));
        try (var blobs = Files.list(repoDir(GGUF_REPO).resolve("blobs"))) {
            assertEquals(1, blobs.count(), "no .incomplete file left behind");
        }
    }

    @Test
    void splitQuantFetchesEveryPartCaseInsensitively() throws IOException {
        PulledModel model = pull(GGUF_REPO + ":q4_k_m");

        assertEquals("Tiny-Q4_K_M-00001-of-00002.gguf", model.path().getFileName().toString());
        assertEquals(2, model.files().size());
        for (Path file : model.files()) {
            assertArrayEquals(ggufFiles.get(file.getFileName().toString()).content(), Files.readAllBytes(file));
        }
        assertEquals(2, hub.downloads().size());
    }

    @Test
    void safetensorsRepoFetchesCheckpointFilesOnlyAndReturnsTheFolder() throws IOException {
        PulledModel model = pull(ST_REPO);

        Path snapshot = repoDir(ST_REPO).resolve("snapshots").resolve(ST_SHA);
        assertEquals(snapshot, model.path());
        List<String> expected = List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "merges.txt", "README.md", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors");
        for (String name : expected) {
            assertArrayEquals(stFiles.get(name).content(), Files.readAllBytes(snapshot.resolve(name)), name);
        }
        assertEquals(expected.size(), hub.downloads().size());
        assertFalse(Files.exists(snapshot.resolve("figures")));
        // small git files are stored under their git blob id (the ETag), as huggingface_hub does
        String etag = stFiles.get("config.json").gitSha1();
        assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(snapshot.resolve("config.json")));
    }

    @Test
    void anEtagThatIsNotTheContentsGitIdDoesNotNameTheBlob() throws IOException {
        hub.constantEtag = true; // every small file claims the same ETag
        PulledModel model = pull(ST_REPO);

        for (String name : List.of("config.json", "tokenizer.json", "merges.txt")) {
            assertArrayEquals(stFiles.get(name).content(), Files.readAllBytes(model.path().resolve(name)), name);
            assertEquals(Path.of("../../blobs/" + stFiles.get(name).sha256()),
                    Files.readSymbolicLink(model.path().resolve(name)));
        }
    }

    @Test
    void secondPullDownloadsNothing() throws IOException {
        PulledModel first = pull(GGUF_REPO + ":Q4_K_M");
        int downloads = hub.downloads().size();
        PulledModel second = pull(GGUF_REPO + ":Q4_K_M");

        assertEquals(first.path(), second.path());
        assertEquals(downloads, hub.downloads().size());
        pull(ST_REPO);
        int stDownloads = hub.downloads().size();
        pull(ST_REPO);
        assertEquals(stDownloads, hub.downloads().size());
    }

    @Test
    void revisionIsAskedForAndRecordedAsARef() throws IOException {
        client(null).pull(ModelReference.parse(ST_REPO), "v1", PullListener.NONE);

        assertEquals("/api/models/" + ST_REPO + "/revision/v1?blobs=true", hub.requests.getFirst().path());
        assertTrue(hub.downloads().stream().allMatch(r -> r.path().contains("/resolve/v1/")));
        assertEquals(ST_SHA, Files.readString(repoDir(ST_REPO).resolve("refs/v1")));
    }

    @Test
    void cutConnectionIsResumedWithARange() throws IOException {
        hub.cut("Tiny-Q8_0.gguf", 100_000, 1);
        PulledModel model = pull(GGUF_REPO + ":Q8_0");

        assertArrayEquals(ggufFiles.get("Tiny-Q8_0.gguf").content(), Files.readAllBytes(model.path()));
        List<FakeHub.Request> downloads = hub.downloads();
        assertEquals(2, downloads.size());
        assertNull(downloads.get(0).range());
        assertResumedWithin(downloads.get(1).range(), 100_000);
    }

    @Test
    void downloadCutOnEveryAttemptKeepsThePartialFileAndTheNextPullResumes() throws IOException {
        hub.cut("Tiny-Q8_0.gguf", 50_000, FileDownload.ATTEMPTS);
        IOException failure = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> pull(GGUF_REPO + ":Q8_0"));
        assertTrue(failure.getMessage().contains("Tiny-Q8_0.gguf"), failure.getMessage());
        String sha256 = ggufFiles.get("Tiny-Q8_0.gguf").sha256();
        Path incomplete = repoDir(GGUF_REPO).resolve("blobs").resolve(sha256 + ".incomplete");
        long kept = Files.size(incomplete);
        assertTrue(kept > 0 && kept <= 4 * 50_000, "kept " + kept);

        hub.requests.clear();
        PulledModel model = pull(GGUF_REPO + ":Q8_0");
        assertArrayEquals(ggufFiles.get("Tiny-Q8_0.gguf").content(), Files.readAllBytes(model.path()));
        assertEquals("bytes=" + kept + "-", hub.downloads().getFirst().range());
        assertFalse(Files.exists(incomplete));
    }

    @Test
    void stalledTransferIsDroppedAndResumed() throws IOException {
        hub.cut("Tiny-Q8_0.gguf", 30_000, 1);
        hub.stallMillis = 10_000; // the client gives up after 400 ms of silence
        long start = System.nanoTime();
        PulledModel model = pull(GGUF_REPO + ":Q8_0");

        assertArrayEquals(ggufFiles.get("Tiny-Q8_0.gguf").content(), Files.readAllBytes(model.path()));
        assertResumedWithin(hub.downloads().get(1).range(), 30_000);
        assertTrue(System.nanoTime() - start < 8_000_000_000L, "resumed before the server woke up");
    }

    @Test
    void concurrentPullsOfOneFileDownloadItOnce() throws Exception {
        hub.cut("Tiny-Q8_0.gguf", 30_000, 1);
        hub.stallMillis = 3_000; // keeps the first pull inside its download while the second one starts
        var first = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()
                .submit(() -> pull(GGUF_REPO + ":Q8_0"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (hub.downloads().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        PulledModel second = pull(GGUF_REPO + ":Q8_0");

        assertEquals(first.get().path(), second.path());
        assertArrayEquals(ggufFiles.get("Tiny-Q8_0.gguf").content(), Files.readAllBytes(second.path()));
        assertEquals(2, hub.downloads().size(), "the cut transfer and its resume, by the first pull only");
    }

    @Test
    void serverIgnoringTheRangeMakesTheDownloadStartOver() throws IOException {
        hub.cut("Tiny-Q8_0.gguf", 100_000, 1);
        hub.ignoreRange = true;
        PulledModel model = pull(GGUF_REPO + ":Q8_0");

        assertArrayEquals(ggufFiles.get("Tiny-Q8_0.gguf").content(), Files.readAllBytes(model.path()));
        assertResumedWithin(hub.downloads().get(1).range(), 100_000);
    }

    @Test
    void redirectToAnotherHostIsFollowedWithoutTheToken() throws IOException {
        hub.add("Qwen/Gated-GGUF", new FakeHub.Repo(GGUF_SHA, ggufFiles, List.of("main"), true, List.of()));
        hub.redirectToCdn = true;
        hub.cut("Tiny-Q8_0.gguf", 64_000, 1);
        PulledModel model = client(FakeHub.TOKEN).pull(ModelReference.parse("Qwen/Gated-GGUF:Q8_0"), null,
                PullListener.NONE);

        assertArrayEquals(ggufFiles.get("Tiny-Q8_0.gguf").content(), Files.readAllBytes(model.path()));
        List<FakeHub.Request> cdn = hub.requests.stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals(2, cdn.size());
        assertTrue(cdn.stream().allMatch(r -> r.authorization() == null), "the token never reaches the CDN host");
        assertResumedWithin(cdn.get(1).range(), 64_000); // the range survives the redirect
        assertTrue(hub.requests.stream().filter(r -> r.server().equals("hub"))
                .allMatch(r -> ("Bearer " + FakeHub.TOKEN).equals(r.authorization())));
    }
}
