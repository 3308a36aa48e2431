package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment data;
    private long position;

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
        return data.get(ValueLayout.JAVA_BYTE, take(1, what));
    }

    short u16(String what) {
        return data.get(SHORT, take(2, what));
    }

    int u32(String what) {
        return data.get(INT, take(4, what));
    }

    long u64(String what) {
        return data.get(LONG, take(8, what));
    }

    float f32(String what) {
        return data.get(FLOAT, take(4, what));
    }

    double f64(String what) {
        return data.get(DOUBLE, take(8, what));
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
        long length = data.get(LONG, take(8, what, " length"));
        if (length < 0 || length > remaining()) {
            throw error(at, what + " length " + Long.toUnsignedString(length) + " is larger than the rest of the file ("
                    + remaining() + " bytes remain: truncated or corrupt)");
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw error(at, what + " length " + length + " is too large for a string");
        }
        long start = take(length, what);
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, start, bytes, 0, bytes.length);
        // The JDK's lenient decoder is intrinsified and fast; it only replaces bad input with U+FFFD, so a
        // result without U+FFFD was valid UTF-8, and only strings containing one need the strict check.
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes));
            } catch (CharacterCodingException e) {
                throw error(start, what + " is not valid UTF-8");
            }
        }
        return text;
    }
}
