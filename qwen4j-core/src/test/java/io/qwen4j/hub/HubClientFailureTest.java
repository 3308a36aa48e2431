package io.qwen4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the hub or the network refuses: checksums, tokens, missing repos/revisions/files, offline, bad quants. */
class HubClientFailureTest extends FakeHubFixture {

    @Test
    void wrongChecksumIsRefusedAndTheFileIsNotKept() throws IOException {
        hub.lies.put("Tiny-Q8_0.gguf", "0".repeat(64));
        var failure = assertThrows(ChecksumMismatchException.class, () -> pull(GGUF_REPO + ":Q8_0"));

        assertTrue(failure.getMessage().contains("Tiny-Q8_0.gguf"), failure.getMessage());
        Path snapshot = repoDir(GGUF_REPO).resolve("snapshots").resolve(GGUF_SHA);
        assertFalse(Files.exists(snapshot.resolve("Tiny-Q8_0.gguf")));
        try (Stream<Path> blobs = Files.list(repoDir(GGUF_REPO).resolve("blobs"))) {
            assertEquals(List.of(), blobs.toList(), "neither the blob nor the partial file is kept");
        }
        assertEquals(1, hub.downloads().size(), "a checksum mismatch is not retried");
    }

    @Test
    void gatedRepoNeedsTheToken() throws IOException {
        hub.add("Qwen/Gated", new FakeHub.Repo(ST_SHA, stFiles, List.of("main"), true, List.of()));
        var refused = assertThrows(HubException.class, () -> pull("Qwen/Gated"));
        assertTrue(refused.getMessage().contains("gated or private repo: set HF_TOKEN"), refused.getMessage());

        var wrongToken = assertThrows(HubException.class,
                () -> client("hf_wrong").pull(ModelReference.parse("Qwen/Gated"), null, PullListener.NONE));
        assertTrue(wrongToken.getMessage().contains("refused HF_TOKEN"), wrongToken.getMessage());

        PulledModel model = client(FakeHub.TOKEN).pull(ModelReference.parse("Qwen/Gated"), null, PullListener.NONE);
        assertArrayEquals(stFiles.get("config.json").content(), Files.readAllBytes(model.path().resolve("config.json")));
    }

    @Test
    void missingRepoRevisionAndFileAreNamed() {
        var repo = assertThrows(HubException.class, () -> pull("Qwen/Nope"));
        assertTrue(repo.getMessage().contains("repository Qwen/Nope not found"), repo.getMessage());

        var revision = assertThrows(HubException.class,
                () -> client(null).pull(ModelReference.parse(ST_REPO), "v9", PullListener.NONE));
        assertTrue(revision.getMessage().contains("revision v9 not found in " + ST_REPO), revision.getMessage());

        hub.add("Qwen/Ghost", new FakeHub.Repo(ST_SHA, stFiles, List.of("main"), false, List.of("model.safetensors")));
        var entry = assertThrows(HubException.class, () -> pull("Qwen/Ghost"));
        assertTrue(entry.getMessage().contains("file model.safetensors not found in Qwen/Ghost"), entry.getMessage());
    }

    @Test
    void quantThatMatchesNothingListsTheAvailableOnes() {
        var none = assertThrows(HubException.class, () -> pull(GGUF_REPO + ":Q5_K_M"));
        assertTrue(none.getMessage().contains("Q5_K_M"), none.getMessage());
        assertTrue(none.getMessage().endsWith("available: Q4_K_M, Q8_0"), none.getMessage());

        var noQuant = assertThrows(HubException.class, () -> pull(GGUF_REPO));
        assertTrue(noQuant.getMessage().contains("GGUF repo: name a quant"), noQuant.getMessage());
        assertTrue(noQuant.getMessage().endsWith("available: Q4_K_M, Q8_0"), noQuant.getMessage());

        var quantOnSafetensors = assertThrows(HubException.class, () -> pull(ST_REPO + ":Q8_0"));
        assertTrue(quantOnSafetensors.getMessage().contains("has no GGUF files"), quantOnSafetensors.getMessage());
        assertTrue(hub.downloads().isEmpty());
    }

    @Test
    void offlineModeUsesTheCacheWithoutTheNetwork() throws IOException {
        PulledModel online = pull(GGUF_REPO + ":Q4_K_M");
        hub.requests.clear();
        var notes = new CopyOnWriteArrayList<String>();
        PullListener listener = new PullListener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        };
        var offline = new HubClient(new HubConfig(hub.endpoint(), null, cacheDir, true), 10, java.time.Duration.ofMillis(400));

        PulledModel cached = offline.pull(ModelReference.parse(GGUF_REPO + ":Q4_K_M"), null, listener);
        assertEquals(online.path(), cached.path());
        assertEquals(online.files(), cached.files());
        assertTrue(cached.fromCache());
        assertTrue(hub.requests.isEmpty(), "offline mode sends no request");
        assertTrue(notes.getFirst().contains("HF_HUB_OFFLINE") && notes.getFirst().contains(GGUF_SHA), notes.toString());

        var notCached = assertThrows(HubUnavailableException.class,
                () -> offline.pull(ModelReference.parse(ST_REPO), null, PullListener.NONE));
        assertTrue(notCached.getMessage().contains("not in the cache"), notCached.getMessage());
        var otherQuant = assertThrows(HubUnavailableException.class,
                () -> offline.pull(ModelReference.parse(GGUF_REPO + ":Q8_0"), null, PullListener.NONE));
        assertTrue(otherQuant.getMessage().contains("available: Q4_K_M"), otherQuant.getMessage());
    }

    @Test
    void unreachableHubFallsBackToACompleteCachedSnapshot() throws IOException {
        pull(ST_REPO);
        URI down;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            down = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        var unreachable = new HubClient(new HubConfig(down, null, cacheDir, false), 10, java.time.Duration.ofMillis(400));
        var notes = new CopyOnWriteArrayList<String>();
        PullListener listener = new PullListener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        };

        PulledModel cached = unreachable.pull(ModelReference.parse(ST_REPO), null, listener);
        assertTrue(cached.fromCache());
        assertEquals(repoDir(ST_REPO).resolve("snapshots").resolve(ST_SHA), cached.path());
        assertTrue(notes.getFirst().startsWith("cannot reach " + down), notes.toString());

        var notCached = assertThrows(HubUnavailableException.class,
                () -> unreachable.pull(ModelReference.parse(GGUF_REPO + ":Q8_0"), null, PullListener.NONE));
        assertTrue(notCached.getMessage().startsWith("cannot reach " + down), notCached.getMessage());

        // A snapshot missing a shard is not "complete": it does not answer offline.
        Files.delete(cached.path().resolve("model-00002-of-00002.safetensors"));
        var incomplete = assertThrows(HubUnavailableException.class,
                () -> unreachable.pull(ModelReference.parse(ST_REPO), null, PullListener.NONE));
        assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());
    }
}
