package io.qwen4j.server.generation;

import java.util.List;

/**
 * Cuts streamed text at the first stop string, holding back just enough text that a stop string split
 * across pieces is never sent in part. The engine's {@link io.qwen4j.engine.StopStrings} hook ends
 * generation at the same point; this decides what the client sees (the stop string itself is not sent).
 */
public final class StopCutter {

    private final List<String> stops;
    private final int hold;
    private final StringBuilder pending = new StringBuilder();
    private String matchedStop;

    StopCutter(List<String> stops) {
        this.stops = List.copyOf(stops);
        this.hold = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    boolean matched() {
        return matchedStop != null;
    }

    /** The stop string that ended the text, or null. */
    String matchedStop() {
        return matchedStop;
    }

    /** Adds text; returns the part certain to be shown. */
    String accept(String piece) {
        if (matched()) {
            return "";
        }
        if (stops.isEmpty()) {
            return piece;
        }
        pending.append(piece);
        int earliest = -1;
        String first = null;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
                first = stop;
            }
        }
        if (earliest >= 0) {
            matchedStop = first;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int emit = pending.length() - hold;
        if (emit <= 0) {
            return "";
        }
        if (Character.isHighSurrogate(pending.charAt(emit - 1))) {
            emit--; // never split a surrogate pair
        }
        String out = pending.substring(0, emit);
        pending.delete(0, emit);
        return out;
    }

    /** The end of the output: whatever was held back (no stop string completed). */
    String finish() {
        String out = matched() ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }
}
