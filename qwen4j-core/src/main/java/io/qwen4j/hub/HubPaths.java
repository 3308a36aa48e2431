package io.qwen4j.hub;

import java.nio.charset.StandardCharsets;

/** URL building and path hygiene for hub file names (which come from the network and must stay inside the cache). */
final class HubPaths {
    private HubPaths() {
    }

    /** A repo-relative path with no empty, "." or ".." segment, no backslash and no leading slash. */
    static boolean isSafeRelative(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Percent-encodes {@code text} for a URL path; '/' is kept only when {@code keepSlash} (file paths, not revisions). */
    static String encode(String text, boolean keepSlash) {
        var out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
            if (unreserved) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
