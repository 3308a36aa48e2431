package io.qwen4j.loader;

import java.util.Locale;

/**
 * An opt-in timing log of start-up phases on stderr, to see where the time to the first token goes:
 * turned on by {@code -Dqwen4j.trace} (e.g. {@code QWEN4J_JAVA_OPTS=-Dqwen4j.trace ./qwen4j generate ...}) or the
 * environment variable {@code QWEN4J_TRACE=1}. Each line gives the time since launch and since the previous
 * mark. "Launch" is when the {@code qwen4j} script started (it exports {@code QWEN4J_LAUNCH_MS} when tracing),
 * else when the JVM started.
 * When off, {@link #mark} is one branch on a constant.
 */
public final class StartupTrace {

    private static final boolean ENABLED = System.getProperty("qwen4j.trace") != null
            || "1".equals(System.getenv("QWEN4J_TRACE"));
    /** Milliseconds from process start to this class's initialisation, and the nanoTime at that moment. */
    private static final double START_OFFSET_MS;
    private static final long ORIGIN_NANOS = System.nanoTime();
    private static long previousNanos = ORIGIN_NANOS;

    static {
        double offset = 0;
        if (ENABLED) {
            String launch = System.getenv("QWEN4J_LAUNCH_MS");
            long launchedAt = launch != null && launch.matches("\\d{1,18}") ? Long.parseLong(launch)
                    : java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
            offset = System.currentTimeMillis() - launchedAt;
        }
        START_OFFSET_MS = offset;
    }

    private StartupTrace() {
    }

    public static boolean enabled() {
        return ENABLED;
    }

    /** Logs that {@code phase} just ended. */
    public static void mark(String phase) {
        if (ENABLED) {
            log(phase);
        }
    }

    private static synchronized void log(String phase) {
        long now = System.nanoTime();
        double sinceStart = START_OFFSET_MS + (now - ORIGIN_NANOS) / 1e6;
        double sincePrevious = (now - previousNanos) / 1e6;
        previousNanos = now;
        System.err.println(String.format(Locale.ROOT, "qwen4j trace: %7.1f ms (+%6.1f) %s [%s]", sinceStart,
                sincePrevious, phase, Thread.currentThread().getName()));
    }
}
