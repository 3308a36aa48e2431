package io.qwen4j.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Stops generation once the output contains one of the stop strings. Matching is on UTF-8 bytes of the
 * tokens ({@code tokenBytes}, from the tokenizer), so a stop string split across tokens, or a token piece
 * that is half a character, still matches exactly. {@link #match} tells the text layer where to cut.
 */
public final class StopStrings implements StepHook {

    /** The stop string found and the byte offset in the output where it starts. */
    public record Match(String stop, int byteOffset) {
    }

    private final List<String> stops;
    private final byte[][] stopBytes;
    private final IntFunction<byte[]> tokenBytes;
    private final int longestStop;
    /** The last bytes of the output: enough to hold a stop string that ends in the newest token. */
    private byte[] window = new byte[64];
    private int windowLength;
    /** Output bytes before {@code window[0]}. */
    private long windowStart;
    private int tokensSeen;
    private Match match;

    public StopStrings(List<String> stops, IntFunction<byte[]> tokenBytes) {
        this.stops = List.copyOf(stops);
        this.stopBytes = this.stops.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.tokenBytes = tokenBytes;
        int longest = 0;
        for (int i = 0; i < stopBytes.length; i++) {
            if (stopBytes[i].length == 0) {
                throw new SamplingParams.SamplingParamsException("a stop string must not be empty");
            }
            longest = Math.max(longest, stopBytes[i].length);
        }
        this.longestStop = longest;
    }

    @Override
    public Action beforeNextToken(GenerationState state) {
        if (match != null) {
            return STOP;
        }
        for (; tokensSeen < state.outputLength(); tokensSeen++) {
            // Keep longestStop - 1 old bytes: a match must end in the new ones, or it was found before.
            int keep = Math.min(windowLength, longestStop - 1);
            System.arraycopy(window, windowLength - keep, window, 0, keep);
            windowStart += windowLength - keep;
            windowLength = keep;
            int searchFrom = keep;
            byte[] piece = tokenBytes.apply(state.outputToken(tokensSeen));
            if (window.length < windowLength + piece.length) {
                window = Arrays.copyOf(window, 2 * (windowLength + piece.length));
            }
            System.arraycopy(piece, 0, window, windowLength, piece.length);
            windowLength += piece.length;
            int earliest = Integer.MAX_VALUE;
            for (int s = 0; s < stopBytes.length; s++) {
                int at = indexOf(window, windowLength, stopBytes[s], Math.max(0, searchFrom - stopBytes[s].length + 1));
                if (at >= 0 && at < earliest) {
                    earliest = at;
                    match = new Match(stops.get(s), Math.toIntExact(windowStart + at));
                }
            }
            if (match != null) {
                return STOP;
            }
        }
        return CONTINUE;
    }

    public Optional<Match> match() {
        return Optional.ofNullable(match);
    }

    private static int indexOf(byte[] text, int length, byte[] pattern, int from) {
        outer:
        for (int i = from; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (text[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "StopStrings" + Arrays.toString(stops.toArray());
    }
}
