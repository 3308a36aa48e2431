package io.qwen4j.chat.template;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The global functions templates call, and the ones {@link SourceRewriter} inserts: Python slicing,
 * Python iteration for {@code for} loops, and HF's {@code raise_exception}. Static because Jinjava
 * binds functions to static methods.
 */
public final class PyFunctions {
    private PyFunctions() {
    }

    /**
     * The variable {@code name} of the current scope, for names Jinjava's EL parses as operators
     * ({@code empty}, {@code mod}, ...; see {@link ExpressionRewrites}); null if undefined.
     */
    public static Object variable(String name) {
        return com.hubspot.jinjava.interpret.JinjavaInterpreter.getCurrent().getContext().get(name);
    }

    /**
     * Jinja2's global {@code dict(...)}: a new mapping from keyword arguments ({@code dict(a=1, b="x")}),
     * optionally after one mapping to copy ({@code dict(m, c=3)}), keys in the order given, as Python keeps them.
     */
    public static Map<String, Object> dict(Object... arguments) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (Object argument : arguments) {
            switch (argument) {
                case com.hubspot.jinjava.el.ext.NamedParameter named -> out.put(named.getName(), named.getValue());
                case Map<?, ?> map when out.isEmpty() -> map.forEach((k, v) -> out.put(PyValues.str(k), v));
                default -> throw new TemplateException("dict() takes keyword arguments and at most one mapping, got "
                        + PyValues.repr(argument));
            }
        }
        return out;
    }

    /** Python's {@code range(...)} under Jinja2's sandbox ({@link PyRange}). */
    public static PyRange range(Object... args) {
        return PyRange.of(args);
    }

    /** Jinja2's global {@code cycler(a, b, …)}. */
    public static PyCycler cycler(Object... items) {
        return new PyCycler(new ArrayList<>(java.util.Arrays.asList(items)));
    }

    /** HF's {@code raise_exception(message)}: the template refuses the conversation. */
    public static Object raiseException(Object message) {
        throw new RaisedByTemplate(PyValues.str(message));
    }

    /** Thrown by {@link #raiseException}; the renderer turns it into a {@link TemplateException}. */
    static final class RaisedByTemplate extends TemplateException {
        RaisedByTemplate(String message) {
            super(message);
        }
    }

    /** Python {@code seq[start:stop:step]} for lists and strings; None means "omitted". */
    public static Object slice(Object seq, Object startOrNone, Object stopOrNone, Object stepOrNone) {
        Object start = PyNone.toNull(startOrNone);
        Object stop = PyNone.toNull(stopOrNone);
        Object step = PyNone.toNull(stepOrNone);
        if (seq instanceof CharSequence cs) {
            int[] cps = cs.toString().codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (int i : indices(cps.length, start, stop, step)) {
                out.appendCodePoint(cps[i]);
            }
            return out.toString();
        }
        List<?> list = switch (seq) {
            case List<?> l -> l;
            case Collection<?> c -> new ArrayList<>(c);
            case Object[] a -> List.of(a);
            case null -> throw new TemplateException("cannot slice an undefined value");
            case PyNone none -> throw new TemplateException("'NoneType' object is not subscriptable");
            default -> throw new TemplateException("cannot slice a value of type " + seq.getClass().getSimpleName());
        };
        List<Object> out = new ArrayList<>();
        for (int i : indices(list.size(), start, stop, step)) {
            out.add(list.get(i));
        }
        return out;
    }

    /** The indices Python's slice(start, stop, step).indices(length) walks. */
    private static List<Integer> indices(int length, Object startValue, Object stopValue, Object stepValue) {
        long step = stepValue == null ? 1 : toLong(stepValue, "step");
        if (step == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        long lower = step > 0 ? 0 : -1;
        long upper = step > 0 ? length : length - 1;
        long start = bound(startValue, length, lower, upper, step > 0 ? lower : upper);
        long stop = bound(stopValue, length, lower, upper, step > 0 ? upper : lower);
        List<Integer> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add((int) i);
        }
        return out;
    }

    private static long bound(Object value, int length, long lower, long upper, long absent) {
        if (value == null) {
            return absent;
        }
        long v = toLong(value, "index");
        if (v < 0) {
            v += length;
            return Math.max(v, lower);
        }
        return Math.min(v, upper);
    }

    private static long toLong(Object value, String what) {
        if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
            return n.longValue();
        }
        throw new TemplateException("slice " + what + " must be an integer or None, not " + PyValues.repr(value));
    }

    /**
     * What a Jinja2 {@code for} loop iterates: a mapping's keys, a string's characters, a list's items;
     * nothing for an undefined value. The result remembers its position so {@code loop.previtem} and
     * {@code loop.nextitem} can be answered.
     */
    public static Object iter(Object value) {
        return switch (value) {
            case null -> new LoopItems(List.of());
            case PyNone none -> throw new TemplateException("'NoneType' object is not iterable");
            case Map<?, ?> map -> new LoopItems(new ArrayList<>(map.keySet()));
            case CharSequence s -> new LoopItems(s.toString().codePoints().mapToObj(Character::toString).toList());
            case Collection<?> c -> new LoopItems(c);
            case Object[] a -> new LoopItems(List.of(a));
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                yield new LoopItems(items);
            }
            default -> throw new TemplateException("'" + PyValues.repr(value) + "' (" + value.getClass().getSimpleName()
                    + ") is not iterable");
        };
    }

    /** The items of one loop; its iterator is a {@link Cursor}. */
    static final class LoopItems extends ArrayList<Object> {
        LoopItems(Collection<?> items) {
            super(items);
        }

        @Override
        public Iterator<Object> iterator() {
            return new Cursor(this);
        }
    }

    /** An iterator that knows the items around the current one. */
    static final class Cursor implements Iterator<Object> {
        private final List<Object> items;
        private int current = -1;

        Cursor(List<Object> items) {
            this.items = items;
        }

        @Override
        public boolean hasNext() {
            return current + 1 < items.size();
        }

        @Override
        public Object next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return items.get(++current);
        }

        Object previous() {
            return current > 0 ? items.get(current - 1) : null;
        }

        Object following() {
            return current + 1 < items.size() ? items.get(current + 1) : null;
        }
    }
}
