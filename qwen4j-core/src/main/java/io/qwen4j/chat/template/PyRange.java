package io.qwen4j.chat.template;

import java.util.AbstractList;

/**
 * Python's {@code range(stop)}, {@code range(start, stop[, step])} under Jinja2's sandbox, which HF renders
 * with: ints only, a zero step is an error, and more than {@link #MAX_LENGTH} items is an error (Jinjava's
 * own {@code range} silently stopped after 1000). Reads as a list of longs; prints as Python's
 * {@code range(0, 3)}.
 */
final class PyRange extends AbstractList<Long> {
    /** Jinja2's {@code sandbox.MAX_RANGE}. */
    static final int MAX_LENGTH = 100_000;

    private final long start;
    private final long stop;
    private final long step;
    private final int size;

    private PyRange(long start, long stop, long step) {
        this.start = start;
        this.stop = stop;
        this.step = step;
        long span = step > 0 ? stop - start : start - stop;
        long length = span <= 0 ? 0 : (span - 1) / Math.abs(step) + 1;
        if (length > MAX_LENGTH) {
            throw new TemplateException("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_LENGTH + ").");
        }
        this.size = (int) length;
    }

    static PyRange of(Object... args) {
        if (args.length < 1 || args.length > 3) {
            throw new TemplateException("range expected 1 to 3 arguments, got " + args.length);
        }
        long[] v = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (!PyNumbers.isInt(a)) {
                throw new TemplateException(PyOrdering.typeName(a) + " object cannot be interpreted as an integer");
            }
            java.math.BigInteger n = PyNumbers.toBigInteger(a);
            if (n.bitLength() > 62) {
                throw new TemplateException("Python int too large to convert to C ssize_t");
            }
            v[i] = n.longValue();
        }
        if (v.length == 1) {
            return new PyRange(0, v[0], 1);
        }
        long step = v.length == 3 ? v[2] : 1;
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero");
        }
        return new PyRange(v[0], v[1], step);
    }

    @Override
    public Long get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("range object index out of range");
        }
        return start + index * step;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step == 1 ? "" : ", " + step) + ")";
    }
}
