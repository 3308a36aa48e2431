package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads little-endian primitives and strings from the mapped file, checking every read against the end
 * of the file first, so a corrupt length becomes a {@link GgufFormatException} naming the offset, never
 * an allocation sized by unchecked input.
 */
final class HeaderCursor {

    /** Bytes copied from the file at a time (see {@link #windowIndex}). */
    private static final int WINDOW_BYTES = 1 << 20;

    private final Path file;
    private final MemorySegment data;
    private long position;
    private byte[] window = new byte[0];
    private long windowStart;
    private int windowLength;

    HeaderCursor(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
    }

    long position() {
        return position;
    }

    long remaining() {
        return data.byteSize() - position;
    }

    long size() {
        return data.byteSize();
    }

    GgufFormatException error(long offset, String problem) {
        return new GgufFormatException(file, offset, problem);
    }

    private long take(long bytes, String what) {
        return take(bytes, what, "");
    }

    /** {@code what + suffix} names the field; concatenated only for an error (this runs per string). */
    private long take(long bytes, String what, String suffix) {
        if (bytes > remaining()) {
            throw error(position, "file truncated: " + what + suffix + " needs " + bytes + " bytes but only "
                    + remaining() + " remain (file size " + data.byteSize() + ")");
        }
        long at = position;
        position += bytes;
        return at;
    }

    byte u8(String what) {
        return window[windowIndex(take(1, what), 1)];
    }

    short u16(String what) {
        int i = windowIndex(take(2, what), 2);
        return (short) ((window[i] & 0xFF) | (window[i + 1] & 0xFF) << 8);
    }

    int u32(String what) {
        return int32At(take(4, what));
    }

    long u64(String what) {
        return int64At(take(8, what));
    }

    float f32(String what) {
        return Float.intBitsToFloat(int32At(take(4, what)));
    }

    double f64(String what) {
        return Double.longBitsToDouble(int64At(take(8, what)));
    }

    private int int32At(long at) {
        int i = windowIndex(at, 4);
        return (window[i] & 0xFF) | (window[i + 1] & 0xFF) << 8 | (window[i + 2] & 0xFF) << 16 | (window[i + 3] & 0xFF) << 24;
    }

    private long int64At(long at) {
        int i = windowIndex(at, 8);
        return (int32At(at) & 0xFFFFFFFFL) | (long) ((window[i + 4] & 0xFF) | (window[i + 5] & 0xFF) << 8
                | (window[i + 6] & 0xFF) << 16 | (window[i + 7] & 0xFF) << 24) << 32;
    }

    /**
     * The index in {@link #window} of file bytes {@code [at, at + bytes)}, copying the next stretch of the file
     * into the window first when they are not in it. The header is read through this heap copy, not by one
     * segment access per field: a 151k-token vocabulary is 300k strings, and until the JIT has compiled the
     * segment accessors each access costs microseconds, which made parsing the header of a Qwen3 file take
     * ~0.4 s at start-up. Callers have checked the bytes are inside the file ({@link #take}).
     */
    private int windowIndex(long at, int bytes) {
        if (at < windowStart || at + bytes > windowStart + windowLength) {
            windowStart = at;
            windowLength = (int) Math.min(Math.max(WINDOW_BYTES, bytes), data.byteSize() - at);
            if (window.length < windowLength) {
                window = new byte[windowLength];
            }
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, window, 0, windowLength);
        }
        return (int) (at - windowStart);
    }

    /**
     * A count of items that each take at least {@code minBytes}: rejected when the rest of the file
     * cannot hold that many, which bounds every allocation by the file size.
     */
    long count(String what, long minBytes) {
        long at = position;
        long n = u64(what);
        if (n < 0 || n > remaining() / minBytes) {
            throw error(at, what + " " + Long.toUnsignedString(n) + " is larger than the rest of the file allows ("
                    + remaining() + " bytes remain: truncated or corrupt)");
        }
        return n;
    }

    /** A GGUF string: uint64 byte length, then UTF-8 (invalid UTF-8 is rejected, not replaced). */
    String string(String what) {
        long at = position;
        long length = int64At(take(8, what, " length"));
        if (length < 0 || length > remaining()) {
            throw error(at, what + " length " + Long.toUnsignedString(length) + " is larger than the rest of the file ("
                    + remaining() + " bytes remain: truncated or corrupt)");
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw error(at, what + " length " + length + " is too large for a string");
        }
        long start = take(length, what);
        // Short strings (every token) decode straight from the window; longer ones get their own copy.
        byte[] bytes;
        int from;
        if (length <= WINDOW_BYTES) {
            from = windowIndex(start, (int) length); // may replace the window: read the field after
            bytes = window;
        } else {
            bytes = new byte[(int) length];
            from = 0;
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, start, bytes, 0, bytes.length);
        }
        // The JDK's lenient decoder is intrinsified and fast; it only replaces bad input with U+FFFD, so a
        // result without U+FFFD was valid UTF-8, and only strings containing one need the strict check.
        String text = new String(bytes, from, (int) length, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, from, (int) length));
            } catch (CharacterCodingException e) {
                throw error(start, what + " is not valid UTF-8");
            }
        }
        return text;
    }
}
