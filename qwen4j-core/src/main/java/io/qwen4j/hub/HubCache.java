package io.qwen4j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One repo's folder in the Hugging Face cache, in {@code huggingface_hub}'s layout so both tools share
 * downloads: {@code models--ORG--NAME/blobs/<sha256 or etag>} holds the content,
 * {@code snapshots/<commit>/<path>} links to it, {@code refs/<revision>} holds the commit a branch or
 * tag pointed to when last pulled (what lets an offline run find its snapshot).
 */
final class HubCache {

    private final Path repoDir;

    HubCache(Path cacheDir, ModelReference reference) {
        this.repoDir = cacheDir.resolve("models--" + reference.org() + "--" + reference.name());
    }

    Path repoDir() {
        return repoDir;
    }

    Path blob(String name) {
        return repoDir.resolve("blobs").resolve(name);
    }

    /** The lock file guarding one blob's download, where huggingface_hub keeps its own: {@code .locks/models--ORG--NAME/}. */
    Path lock(String blobKey) {
        return repoDir.resolveSibling(".locks").resolve(repoDir.getFileName()).resolve(blobKey + ".lock");
    }

    Path snapshot(String sha) {
        return repoDir.resolve("snapshots").resolve(sha);
    }

    Path snapshotFile(String sha, String path) {
        return snapshot(sha).resolve(path);
    }

    /** Records that {@code revision} points to {@code sha} (nothing to record when the revision is the sha). */
    void writeRef(String revision, String sha) throws IOException {
        if (revision.equals(sha)) {
            return;
        }
        Path ref = repoDir.resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        try {
            Files.writeString(tmp, sha, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The commit of {@code revision} known to the cache: its ref, or the revision itself if it names a snapshot. */
    Optional<String> cachedSha(String revision) throws IOException {
        Path ref = repoDir.resolve("refs").resolve(revision);
        if (Files.isRegularFile(ref)) {
            String sha = Files.readString(ref, StandardCharsets.UTF_8).trim();
            if (HubPaths.isSafeRelative(sha) && !sha.contains("/") && Files.isDirectory(snapshot(sha))) {
                return Optional.of(sha);
            }
        }
        return Files.isDirectory(snapshot(revision)) && !revision.contains("/") ? Optional.of(revision) : Optional.empty();
    }

    /** The complete files of a cached snapshot (dangling links and partial files are left out). */
    List<RepoFile> listSnapshot(String sha) throws IOException {
        Path root = snapshot(sha);
        List<RepoFile> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    String relative = root.relativize(p).toString().replace('\\', '/');
                    files.add(new RepoFile(relative, Files.size(p), null));
                }
            }
        }
        return files;
    }

    /** True if the snapshot already has {@code file} (following its link), with the listed size when known. */
    boolean hasInSnapshot(String sha, RepoFile file) throws IOException {
        Path p = snapshotFile(sha, file.path());
        return Files.isRegularFile(p) && (file.size() < 0 || Files.size(p) == file.size());
    }

    /**
     * Puts {@code blob} into the snapshot at {@code path}: a relative symlink as huggingface_hub makes, or a
     * copy where the file system has no symlinks.
     */
    void link(String sha, String path, Path blob) throws IOException {
        Path target = snapshotFile(sha, path);
        Files.createDirectories(target.getParent());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(target);
        }
        try {
            Files.createSymbolicLink(target, target.getParent().relativize(blob));
        } catch (FileAlreadyExistsException e) {
            // Another pull of the same snapshot linked it first: the same content.
        } catch (UnsupportedOperationException | IOException e) {
            Path tmp = Files.createTempFile(target.getParent(), ".copy", ".tmp");
            try {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
