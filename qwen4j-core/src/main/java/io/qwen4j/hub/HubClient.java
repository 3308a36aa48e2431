package io.qwen4j.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pulls a model from a Hugging Face hub into the local cache: asks the model API which commit the
 * revision is and which files it has, picks the model's files ({@link FileSelection}), downloads those
 * not yet cached (a few at a time, on virtual threads; see {@link FileDownload}) and links them into the
 * snapshot. With the hub unreachable or {@code HF_HUB_OFFLINE} set, a complete cached snapshot answers.
 *
 * <pre>{@code
 * PulledModel m = new HubClient(HubConfig.fromEnvironment(System.getenv()))
 *         .pull(ModelReference.parse("Qwen/Qwen3-0.6B-GGUF:Q8_0"), null, PullListener.NONE);
 * ModelLoader.load(m.path(), LoadOptions.defaults());
 * }</pre>
 */
public final class HubClient {

    public static final String DEFAULT_REVISION = "main";
    /** Files downloaded at once: enough to fill a link with several shards, few enough not to thrash a disk. */
    static final int PARALLEL_FILES = 4;
    /** A repo listing is a few KB to a few MB; anything far larger is not a hub talking. */
    private static final int MAX_LISTING_BYTES = 64 << 20;

    private final HubConfig config;
    private final HubHttp http;
    private final long retryDelayMillis;
    private final Duration stallTimeout;

    public HubClient(HubConfig config) {
        this(config, 500, Duration.ofSeconds(60));
    }

    /** The pause before resuming a cut transfer and the silence after which one counts as cut (tests shorten both). */
    HubClient(HubConfig config, long retryDelayMillis, Duration stallTimeout) {
        this.config = config;
        this.http = new HubHttp(config);
        this.retryDelayMillis = retryDelayMillis;
        this.stallTimeout = stallTimeout;
    }

    public HubConfig config() {
        return config;
    }

    /**
     * Makes {@code reference} at {@code revision} (null: {@code main}) present in the cache and returns
     * where it is. Files already in the snapshot are not fetched again.
     *
     * @throws HubException             the hub refused: unknown repo/revision/file, gated repo, bad quant
     * @throws ChecksumMismatchException a download did not match its sha256 (it was deleted)
     * @throws HubUnavailableException  offline (or unreachable) and the cache has no complete snapshot
     */
    public PulledModel pull(ModelReference reference, String revision, PullListener listener) throws IOException {
        String rev = revision == null ? DEFAULT_REVISION : revision;
        if (!HubPaths.isSafeRelative(rev)) {
            throw new HubException("not a usable revision name: " + rev);
        }
        HubCache cache = new HubCache(config.cacheDir(), reference);
        if (config.offline()) {
            return fromCache(reference, rev, cache, "HF_HUB_OFFLINE is set", null, listener);
        }
        RepoInfo info;
        try {
            info = fetchInfo(reference, revision, rev);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            return fromCache(reference, rev, cache, "cannot reach " + config.endpoint() + " (" + describe(e) + ")", e,
                    listener);
        }
        FileSelection selection = FileSelection.select(info.files(), reference.quant(), reference.repoId());
        Files.createDirectories(cache.snapshot(info.sha()));
        cache.writeRef(rev, info.sha());
        List<RepoFile> missing = new ArrayList<>();
        for (RepoFile file : selection.files()) {
            if (cache.hasInSnapshot(info.sha(), file)) {
                continue;
            }
            Path blob = file.sha256() == null ? null : cache.blob(file.sha256());
            if (blob != null && Files.isRegularFile(blob) && (file.size() < 0 || Files.size(blob) == file.size())) {
                cache.link(info.sha(), file.path(), blob); // the same content is cached under another snapshot
            } else {
                missing.add(file);
            }
        }
        if (!missing.isEmpty()) {
            download(reference, rev, info.sha(), missing, cache, listener);
        }
        return result(reference, info.sha(), selection, cache, false);
    }

    private RepoInfo fetchInfo(ModelReference reference, String revision, String rev) throws IOException {
        String url = config.endpoint() + "/api/models/" + reference.repoId()
                + (revision == null ? "" : "/revision/" + HubPaths.encode(revision, false)) + "?blobs=true";
        try (HubHttp.Response response = http.get(URI.create(url), 0, new HubHttp.Target(reference, rev, null))) {
            if (response.status() != 200) {
                throw new IOException("HTTP " + response.status() + " from " + url);
            }
            byte[] json = response.body().readNBytes(MAX_LISTING_BYTES + 1);
            if (json.length > MAX_LISTING_BYTES) {
                throw new HubException("the hub's file listing at " + url + " is larger than " + MAX_LISTING_BYTES + " bytes");
            }
            return RepoInfo.parse(json, url);
        }
    }

    private void download(ModelReference reference, String rev, String sha, List<RepoFile> files, HubCache cache,
                          PullListener listener) throws IOException {
        listener.downloadStarting(files);
        var downloader = new FileDownload(http, cache, listener, retryDelayMillis, stallTimeout);
        List<Future<Void>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_FILES, files.size()),
                Thread.ofVirtual().name("hub-download-", 0).factory())) {
            for (RepoFile file : files) {
                futures.add(pool.submit(() -> {
                    URI url = URI.create(config.endpoint() + "/" + reference.repoId() + "/resolve/"
                            + HubPaths.encode(rev, false) + "/" + HubPaths.encode(file.path(), true));
                    Path blob = downloader.fetch(file, url, new HubHttp.Target(reference, rev, file.path()));
                    cache.link(sha, file.path(), blob);
                    listener.fileDone(file);
                    return null;
                }));
            }
        }
        Throwable first = null;
        for (Future<Void> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while downloading " + reference);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                } else if (first != e.getCause()) {
                    first.addSuppressed(e.getCause());
                }
            }
        }
        switch (first) {
            case null -> listener.downloadFinished();
            case IOException io -> throw io;
            case RuntimeException runtime -> throw runtime;
            case Error error -> throw error;
            default -> throw new IOException(first);
        }
    }

    private PulledModel fromCache(ModelReference reference, String rev, HubCache cache, String reason, IOException cause,
                                  PullListener listener) throws IOException {
        String sha = cache.cachedSha(rev).orElseThrow(() -> new HubUnavailableException(
                reason + ", and " + reference + " (revision " + rev + ") is not in the cache " + cache.repoDir(), cause));
        FileSelection selection;
        try {
            selection = FileSelection.select(cache.listSnapshot(sha), reference.quant(), reference.repoId());
        } catch (HubException e) {
            throw new HubUnavailableException(reason + ", and the cached snapshot " + cache.snapshot(sha)
                    + " is incomplete for " + reference + ": " + e.getMessage(), cause);
        }
        listener.note(reason + ": using the cached snapshot " + sha + " of " + reference);
        return result(reference, sha, selection, cache, true);
    }

    private static PulledModel result(ModelReference reference, String sha, FileSelection selection, HubCache cache,
                                      boolean fromCache) {
        Path snapshot = cache.snapshot(sha);
        List<Path> files = selection.files().stream().map(f -> cache.snapshotFile(sha, f.path())).toList();
        Path path = selection.entry() == null ? snapshot : cache.snapshotFile(sha, selection.entry());
        return new PulledModel(reference, sha, snapshot, path, files, fromCache);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        if (message != null && !message.isBlank()) {
            return message;
        }
        return e instanceof java.net.ConnectException ? "could not connect" : e.getClass().getSimpleName();
    }
}
