package io.qwen4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.nio.channels.FileLock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads one file into the cache's blobs, resumably: bytes go to {@code blobs/<key>.incomplete} as
 * they arrive, a later attempt (in this pull or the next) asks for the rest with {@code Range: bytes=N-}
 * (a 206 appends; a 200 means the server ignored the range: start over), and the finished file is moved
 * to {@code blobs/<sha256 or etag>} only after its sha256 matched the hub's LFS metadata. A mismatch
 * deletes the file: a wrong file is never kept, and the next pull starts clean.
 */
final class FileDownload {

    /** Transfers cut mid-file are retried this many times in one pull, resuming each time. */
    static final int ATTEMPTS = 4;
    private static final int BUFFER = 1 << 16;
    /** A JVM may hold a file lock once: threads of one process queue here before taking the file lock. */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private final HubHttp http;
    private final HubCache cache;
    private final PullListener listener;
    private final long retryDelayMillis;
    private final Duration stallTimeout;

    /**
     * @param retryDelayMillis pause before the first resume (doubling, tripling… after later cuts)
     * @param stallTimeout     a transfer that delivers no byte for this long is dropped and resumed: the
     *                         JDK client's request timeout covers only the response headers
     */
    FileDownload(HubHttp http, HubCache cache, PullListener listener, long retryDelayMillis, Duration stallTimeout) {
        this.http = http;
        this.cache = cache;
        this.listener = listener;
        this.retryDelayMillis = retryDelayMillis;
        this.stallTimeout = stallTimeout;
    }

    /** Fetches {@code file} from {@code url} and returns its verified blob. */
    Path fetch(RepoFile file, URI url, HubHttp.Target target) throws IOException {
        // LFS files are keyed by their sha256 up front; small git files by a stable name until their ETag is known.
        String key = file.sha256() != null ? file.sha256() : "pending-" + sha256Hex(target.revision() + "\0" + file.path());
        Path incomplete = cache.blob(key + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        Path lockFile = cache.lock(key);
        Files.createDirectories(lockFile.getParent());
        // Two pulls of the same file (two processes, or two threads of a server) must not write one
        // .incomplete at once: the second waits, then finds the blob done.
        ReentrantLock inProcess = IN_PROCESS_LOCKS.computeIfAbsent(lockFile.toAbsolutePath(), k -> new ReentrantLock());
        inProcess.lock();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            Path done = file.sha256() == null ? null : cache.blob(file.sha256());
            if (done != null && Files.isRegularFile(done) && (file.size() < 0 || Files.size(done) == file.size())) {
                return done;
            }
            return fetchLocked(file, url, target, incomplete);
        } finally {
            inProcess.unlock();
        }
    }

    private Path fetchLocked(RepoFile file, URI url, HubHttp.Target target, Path incomplete) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return attempt(file, url, target, incomplete, attempt == 1);
            } catch (ChecksumMismatchException | InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                if (attempt < ATTEMPTS) {
                    listener.note(file.path() + ": transfer failed (" + e.getMessage() + "), resuming (attempt "
                            + (attempt + 1) + " of " + ATTEMPTS + ")");
                    sleep(retryDelayMillis * attempt);
                }
            }
        }
        throw new IOException("downloading " + file.path() + " failed after " + ATTEMPTS + " attempts (partial file kept for "
                + "the next pull): " + last.getMessage(), last);
    }

    private Path attempt(RepoFile file, URI url, HubHttp.Target target, Path incomplete, boolean first) throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (file.size() >= 0 && have > file.size()) {
            Files.delete(incomplete);
            have = 0;
        }
        if (first && have > 0) {
            listener.resumed(file, have);
        }
        if (have > 0 && have == file.size() && file.sha256() != null) {
            // Complete on disk already (a crash between the last byte and the move): verify, no request.
            MessageDigest digest = sha256();
            try (FileChannel in = FileChannel.open(incomplete, StandardOpenOption.READ)) {
                hashPrefix(in, have, digest);
            }
            if (HexFormat.of().formatHex(digest.digest()).equals(file.sha256())) {
                Path blob = cache.blob(file.sha256());
                Files.move(incomplete, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return blob;
            }
            discard(file, incomplete, have);
            have = 0;
        }
        try (HubHttp.Response response = http.get(url, have, target)) {
            if (response.status() == 416) {
                // The server cannot serve from `have` on: the partial file is not a prefix we can use.
                discard(file, incomplete, have);
                throw new IOException("the server refused to resume " + file.path() + " at byte " + have);
            }
            if (response.status() == 200 && have > 0) {
                discard(file, incomplete, have);
                have = 0;
            }
            if (response.status() == 206) {
                long start = rangeStart(response.headers().firstValue("Content-Range").orElse(null));
                if (start >= 0 && start != have) {
                    discard(file, incomplete, have);
                    throw new IOException("the server resumed " + file.path() + " at byte " + start + ", not " + have);
                }
            }
            String expectedSha = file.sha256() != null ? file.sha256() : sha256OrNull(response.linkedEtag());
            long expectedSize = file.size() >= 0 ? file.size() : response.linkedSize();
            MessageDigest digest = sha256();
            try (FileChannel out = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                hashPrefix(out, have, digest);
                out.truncate(have);
                out.position(have);
                copy(response.body(), out, digest, file);
                out.force(false);
            }
            long size = Files.size(incomplete);
            String actual = HexFormat.of().formatHex(digest.digest());
            if (expectedSize >= 0 && size != expectedSize) {
                if (size < expectedSize) {
                    throw new IOException("connection ended at byte " + size + " of " + expectedSize);
                }
                Files.deleteIfExists(incomplete);
                throw new ChecksumMismatchException("downloaded " + file.path() + " has " + size + " bytes, the hub lists "
                        + expectedSize + "; the file was deleted");
            }
            if (expectedSha != null && !expectedSha.equalsIgnoreCase(actual)) {
                Files.deleteIfExists(incomplete);
                throw new ChecksumMismatchException("sha256 mismatch for " + file.path() + ": expected " + expectedSha
                        + ", got " + actual + "; the file was deleted");
            }
            // Blobs are content-addressed: by sha256 for LFS files, by the git blob id (the hub's ETag for
            // files kept in git, as huggingface_hub names them) only when the content really has that id.
            String blobName = expectedSha != null ? expectedSha.toLowerCase(java.util.Locale.ROOT)
                    : gitBlobId(incomplete).equalsIgnoreCase(String.valueOf(response.etag())) ? response.etag() : actual;
            Path blob = cache.blob(blobName);
            Files.move(incomplete, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return blob;
        }
    }

    private void discard(RepoFile file, Path incomplete, long have) throws IOException {
        Files.deleteIfExists(incomplete);
        if (have > 0) {
            listener.transferred(file, -have);
        }
    }

    private void copy(InputStream in, FileChannel out, MessageDigest digest, RepoFile file) throws IOException {
        byte[] buffer = new byte[BUFFER];
        var lastByte = new AtomicLong(System.nanoTime());
        var stalled = new AtomicBoolean();
        // Closing the body stream is what unblocks a read that waits on a silent server.
        Thread watchdog = Thread.ofVirtual().name("hub-stall-watchdog").start(() -> {
            long stallNanos = stallTimeout.toNanos();
            try {
                while (true) {
                    Thread.sleep(Math.max(10, stallTimeout.toMillis() / 4));
                    if (System.nanoTime() - lastByte.get() > stallNanos) {
                        stalled.set(true);
                        in.close();
                        return;
                    }
                }
            } catch (InterruptedException | IOException e) {
                // the transfer ended first
            }
        });
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                lastByte.set(System.nanoTime());
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                digest.update(buffer, 0, n);
                listener.transferred(file, n);
            }
        } catch (IOException e) {
            if (stalled.get()) {
                throw new IOException("no data for " + stallTimeout.toSeconds() + " s", e);
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
        if (stalled.get()) {
            throw new IOException("no data for " + stallTimeout.toSeconds() + " s");
        }
    }

    /** Feeds the first {@code length} bytes already on disk to the digest (a resumed file is verified whole). */
    private static void hashPrefix(FileChannel channel, long length, MessageDigest digest) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        long position = 0;
        while (position < length) {
            buffer.clear().limit((int) Math.min(BUFFER, length - position));
            int n = channel.read(buffer, position);
            if (n <= 0) {
                throw new IOException("partial download shrank while resuming");
            }
            digest.update(buffer.flip());
            position += n;
        }
    }

    /** The first byte of {@code Content-Range: bytes START-END/TOTAL}, or -1 if absent or unreadable. */
    static long rangeStart(String contentRange) {
        if (contentRange == null || !contentRange.startsWith("bytes ")) {
            return -1;
        }
        int dash = contentRange.indexOf('-');
        try {
            return dash < 0 ? -1 : Long.parseLong(contentRange.substring(6, dash).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String sha256OrNull(String etag) {
        return etag != null && etag.matches("[0-9a-fA-F]{64}") ? etag.toLowerCase(java.util.Locale.ROOT) : null;
    }

    /** Git's id of a file's content: sha1 of {@code "blob <size>\0"} and the bytes. */
    static String gitBlobId(Path file) throws IOException {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-1", e);
        }
        sha1.update(("blob " + Files.size(file) + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha1.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha1.digest());
    }

    static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to resume a download");
        }
    }
}
