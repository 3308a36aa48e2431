package io.qwen4j.cli;

import io.qwen4j.hub.PullListener;
import io.qwen4j.hub.RepoFile;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Shows a pull on stderr: on a terminal, one bar redrawn in place with percent, speed and ETA; otherwise
 * (a log, a CI job) plain lines at the start, every 10 %, and the end. Totals span all files, since
 * several download at once. stdout is left alone: it carries only the final path.
 */
final class PullProgress implements PullListener {

    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final String label;
    private long total;
    private long done;
    private long resumed;
    private long startNanos;
    private long lastDrawNanos;
    private int lastDecile;
    private boolean barShown;

    PullProgress(PrintStream err, boolean terminal, String label) {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
    }

    /** True when stdin and stdout are a terminal (System.console() is non-null even when redirected on JDK 22+). */
    static boolean onTerminal() {
        var console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public synchronized void note(String message) {
        clearBar();
        err.println("pull: " + message);
    }

    @Override
    public synchronized void downloadStarting(List<RepoFile> files) {
        total = files.stream().mapToLong(f -> Math.max(0, f.size())).sum();
        startNanos = System.nanoTime();
        err.println("pull: " + label + ": downloading " + files.size() + (files.size() == 1 ? " file" : " files")
                + " (" + bytes(total) + ")");
    }

    @Override
    public synchronized void resumed(RepoFile file, long bytes) {
        done += bytes;
        resumed += bytes;
        lastDecile = total > 0 ? (int) Math.min(9, done * 10 / total) : 0; // count from here, not from 0
        clearBar();
        err.println("pull: resuming " + file.path() + " at " + bytes(bytes));
    }

    @Override
    public synchronized void transferred(RepoFile file, long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDrawNanos >= REDRAW_NANOS) {
                lastDrawNanos = now;
                drawBar(now);
            }
        } else if (total > 0) {
            int decile = (int) Math.min(10, done * 10 / total);
            if (decile > lastDecile && decile < 10) {
                lastDecile = decile;
                err.println("pull: " + decile * 10 + "% (" + bytes(done) + " of " + bytes(total) + ", "
                        + bytes((long) speed(now)) + "/s)");
            }
        }
    }

    @Override
    public synchronized void fileDone(RepoFile file) {
        if (!terminal) {
            err.println("pull: " + file.path() + " done");
        }
    }

    @Override
    public synchronized void downloadFinished() {
        long now = System.nanoTime();
        if (terminal) {
            drawBar(now);
            err.println();
            barShown = false;
        }
        err.printf(Locale.ROOT, "pull: done, %s in %.1f s%n", bytes(done - resumed), (now - startNanos) / 1e9);
    }

    private void drawBar(long now) {
        double fraction = total > 0 ? Math.min(1.0, (double) done / total) : 0;
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        double speed = speed(now);
        String eta = speed > 0 && total > done ? clock((long) ((total - done) / speed)) : "--:--";
        err.printf(Locale.ROOT, "\r%3d%% [%s%s] %s / %s  %s/s  ETA %s   ", Math.round(fraction * 100),
                "#".repeat(filled), "-".repeat(BAR_WIDTH - filled), bytes(done), bytes(total), bytes((long) speed), eta);
        err.flush();
        barShown = true;
    }

    private void clearBar() {
        if (barShown) {
            err.print("\r\033[K");
            barShown = false;
        }
    }

    /** Bytes per second fetched in this run (resumed bytes were not transferred now). */
    private double speed(long now) {
        double seconds = (now - startNanos) / 1e9;
        return seconds <= 0 ? 0 : (done - resumed) / seconds;
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    static String clock(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
