package io.qwen4j.server;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/** One line per event on the server's log stream (stderr for {@code serve}); thread-safe. */
public final class ServerLog {

    private final PrintStream out;

    public ServerLog(PrintStream out) {
        this.out = out;
    }

    public void info(String message) {
        line("INFO", message);
    }

    public void warn(String message) {
        line("WARN", message);
    }

    private void line(String level, String message) {
        String time = LocalTime.now().truncatedTo(ChronoUnit.MILLIS).toString();
        synchronized (out) {
            out.println(time + " " + level + " " + message.replace('\n', ' '));
            out.flush();
        }
    }
}
