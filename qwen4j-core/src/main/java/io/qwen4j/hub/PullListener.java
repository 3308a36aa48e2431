package io.qwen4j.hub;

import java.util.List;

/**
 * Hears how a pull goes, to draw a progress bar or log lines. Calls come from several download threads
 * at once, so implementations must be thread-safe; all methods default to doing nothing.
 */
public interface PullListener {

    PullListener NONE = new PullListener() {
    };

    /** A remark for the user: the cache was used offline, a transfer is retried, and so on. */
    default void note(String message) {
    }

    /** The files that need the network (sizes may be -1 when the hub did not list them). */
    default void downloadStarting(List<RepoFile> files) {
    }

    /** {@code bytes} of {@code file} were already on disk from an interrupted download and will not be fetched again. */
    default void resumed(RepoFile file, long bytes) {
    }

    /** {@code bytes} more of {@code file} arrived; negative when a partial file had to be discarded. */
    default void transferred(RepoFile file, long bytes) {
    }

    /** {@code file} is downloaded, verified and in the snapshot. */
    default void fileDone(RepoFile file) {
    }

    /** Every file is in place (called only when something was downloaded). */
    default void downloadFinished() {
    }
}
