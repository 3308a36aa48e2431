package io.qwen4j.engine;

import java.io.ByteArrayOutputStream;
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
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private int tokensSeen;
    private Match match;

    public StopStrings(List<String> stops, IntFunction<byte[]> tokenBytes) {
        this.stops = List.copyOf(stops);
        this.stopBytes = this.stops.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.tokenBytes = tokenBytes;
        for (String s : this.stops) {
            if (s.isEmpty()) {
                throw new SamplingParams.SamplingParamsException("a stop string must not be empty");
            }
        }
    }

    @Override
    public Action beforeNextToken(GenerationState state) {
        if (match != null) {
            return STOP;
        }
        int searchFrom = output.size();
        for (; tokensSeen < state.outputLength(); tokensSeen++) {
            output.writeBytes(tokenBytes.apply(state.outputToken(tokensSeen)));
        }
        byte[] text = output.toByteArray();
        int earliest = Integer.MAX_VALUE;
        for (int s = 0; s < stopBytes.length; s++) {
            // Only a match that ends in the new bytes is new.
            int from = Math.max(0, searchFrom - stopBytes[s].length + 1);
            int at = indexOf(text, stopBytes[s], from);
            if (at >= 0 && at < earliest) {
                earliest = at;
                match = new Match(stops.get(s), at);
            }
        }
        return match != null ? STOP : CONTINUE;
    }

    public Optional<Match> match() {
        return Optional.ofNullable(match);
    }

    private static int indexOf(byte[] text, byte[] pattern, int from) {
        outer:
        for (int i = from; i + pattern.length <= text.length; i++) {
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
