package io.qwen4j.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text as they arrive. A character split across tokens (common for CJK and
 * emoji) is held back until complete, so every piece returned is whole text; the pieces concatenated equal
 * {@link Tokenizer#decode} of all ids. Not thread-safe: one per generation.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    /** Bytes of an incomplete UTF-8 sequence (at most 3) waiting for the next token. */
    private byte[] pending = new byte[0];

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token and returns the text it completes (possibly empty). */
    public String next(int id) {
        byte[] token = tokenizer.bytesShared(id);
        byte[] bytes = Arrays.copyOf(pending, pending.length + token.length);
        System.arraycopy(token, 0, bytes, pending.length, token.length);
        StringBuilder out = new StringBuilder(bytes.length);
        int consumed = Utf8.decode(bytes, 0, bytes.length, out, false);
        pending = Arrays.copyOfRange(bytes, consumed, bytes.length);
        return out.toString();
    }

    /** Ends the stream: an incomplete character left over becomes U+FFFD (HF's errors="replace"). */
    public String finish() {
        StringBuilder out = new StringBuilder();
        Utf8.decode(pending, 0, pending.length, out, true);
        pending = new byte[0];
        return out.toString();
    }
}
