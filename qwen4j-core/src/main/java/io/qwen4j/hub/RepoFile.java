package io.qwen4j.hub;

/**
 * One file of a repo snapshot, as the hub's model API lists it.
 *
 * @param path   the path inside the repo ({@code rfilename}), '/'-separated
 * @param size   its size in bytes, or -1 when unknown (offline, from the cache listing)
 * @param sha256 the LFS sha256 for large files, or null (small files kept in git are not verified)
 */
public record RepoFile(String path, long size, String sha256) {

    /** The last path segment. */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
