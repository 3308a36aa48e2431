package io.qwen4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * A repo snapshot as {@code GET /api/models/ORG/NAME[/revision/REV]?blobs=true} describes it: the commit
 * sha the revision points to and the files with their sizes and LFS sha256.
 */
public record RepoInfo(String sha, List<RepoFile> files) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RepoInfo {
        files = List.copyOf(files);
    }

    /** Parses the model API's JSON; {@code source} names the URL in errors. */
    public static RepoInfo parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new HubException("the hub answered " + source + " with invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String sha = root == null ? null : root.path("sha").asText(null);
        // The sha names a cache folder: no "." or ".." and no separator, whatever the server sends.
        if (sha == null || !sha.matches("[0-9A-Za-z_-][0-9A-Za-z._-]{0,127}") || sha.contains("..")) {
            throw new HubException("the hub answered " + source + " without a usable commit sha");
        }
        List<RepoFile> files = new ArrayList<>();
        for (JsonNode sibling : root.path("siblings")) {
            String path = sibling.path("rfilename").asText(null);
            if (path == null || !HubPaths.isSafeRelative(path)) {
                throw new HubException("the hub listed an unsafe file name in " + source + ": " + path);
            }
            JsonNode lfs = sibling.path("lfs");
            long size = sibling.path("size").asLong(lfs.path("size").asLong(-1));
            String sha256 = lfs.path("sha256").asText(null);
            if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
                throw new HubException("the hub listed a malformed sha256 for " + path + " in " + source + ": " + sha256);
            }
            files.add(new RepoFile(path, size, sha256 == null ? null : sha256.toLowerCase(java.util.Locale.ROOT)));
        }
        return new RepoInfo(sha, files);
    }
}
