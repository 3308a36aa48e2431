package io.qwen4j.chat.constrain;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Tags that free text inside a call must never spell out, because the output parser would read them as
 * the end of the call (a {@code </tool_call>} inside a Hermes JSON string; a {@code </parameter>} inside a
 * Qwen3-Coder value). Tracks how much of each tag the text has just written; progress per tag is one byte
 * of a long, so the state stays a value.
 *
 * <p>The simple progress rule (on a mismatch, restart at 1 if the byte opens the tag, else at 0) is exact
 * for tags that no proper prefix of which is also a suffix, which the constructor checks.
 */
final class TextGuard {
    static final TextGuard NONE = new TextGuard(List.of());

    private final byte[][] tags;

    TextGuard(List<String> tags) {
        if (tags.size() > 8) {
            throw new IllegalArgumentException("at most 8 guarded tags");
        }
        this.tags = new byte[tags.size()][];
        for (int i = 0; i < tags.size(); i++) {
            byte[] tag = tags.get(i).getBytes(StandardCharsets.UTF_8);
            for (int k = 1; k < tag.length; k++) {
                if (tag[k] == tag[0]) {
                    throw new IllegalArgumentException("guarded tag repeats its first byte: " + tags.get(i));
                }
            }
            this.tags[i] = tag;
        }
    }

    /** The progress after byte {@code b}, or -1 when {@code b} completes a tag. */
    long advance(long progress, int b) {
        long next = 0;
        for (int i = 0; i < tags.length; i++) {
            byte[] tag = tags[i];
            int matched = progress(tag, (int) (progress >>> (8 * i)) & 0xFF, b);
            if (matched == tag.length) {
                return -1;
            }
            next |= (long) matched << (8 * i);
        }
        return next;
    }

    /** How much of {@code tag} the text ends with after byte {@code b}, given {@code matched} before it. */
    static int progress(byte[] tag, int matched, int b) {
        if ((tag[matched] & 0xFF) == b) {
            return matched + 1;
        }
        return (tag[0] & 0xFF) == b ? 1 : 0;
    }
}
