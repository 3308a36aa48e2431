package io.qwen4j.chat.template;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * A Python tuple: an immutable list that prints as {@code (1, 2)}, {@code (1,)} or {@code ()} and is
 * never equal to a list. Tuple literals ({@link PyParser}), {@code dict.items()}, the {@code items}
 * filter and {@code str.partition} give tuples, so that printing them matches Jinja2; everything that
 * reads a list (loops, indexing, {@code tojson} as a JSON array) reads a tuple the same way.
 */
final class PyTuple extends AbstractList<Object> {
    private final Object[] items;

    private PyTuple(Object[] items) {
        this.items = items;
    }

    static PyTuple of(Object... items) {
        return new PyTuple(items.clone());
    }

    static PyTuple copyOf(List<?> items) {
        return new PyTuple(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public String toString() {
        return PyValues.repr(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PyTuple other && Arrays.equals(items, other.items);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(items);
    }
}
