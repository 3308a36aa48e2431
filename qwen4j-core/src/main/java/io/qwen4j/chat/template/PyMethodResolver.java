package io.qwen4j.chat.template;

import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves what Python objects have and Java ones lack: {@code str} methods ({@link PyStrings}),
 * {@code dict.items()/keys()/values()/get(k, default)}, and {@code loop.previtem}/{@code loop.nextitem}.
 * Placed first in Jinjava's resolver chain; anything it does not know falls through to Jinjava's own.
 */
final class PyMethodResolver extends ELResolver {

    /** Jinjava's ForLoop keeps its iterator private; our {@link PyFunctions.Cursor} is in it. */
    private static final Field LOOP_ITERATOR = loopIteratorField();

    private static Field loopIteratorField() {
        try {
            Field f = ForLoop.class.getDeclaredField("it");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base == PyNone.NONE) {
            context.setPropertyResolved(true);
            return null; // Jinja2: an attribute or item of None is undefined
        }
        if (PyValues.unwrapList(base) instanceof PySequenceFilters.Group group
                && ("grouper".equals(property) || "list".equals(property))) {
            context.setPropertyResolved(true);
            return "grouper".equals(property) ? group.getGrouper() : group.getList();
        }
        if (base instanceof ForLoop loop && ("previtem".equals(property) || "nextitem".equals(property))) {
            PyFunctions.Cursor cursor = cursorOf(loop);
            context.setPropertyResolved(true);
            return "previtem".equals(property) ? cursor.previous() : cursor.following();
        }
        // s[i] on a string: the code point at a Python index (negative counts from the end). Jinjava hands
        // the index over as text; a name cannot be all digits, so digits here always mean an index.
        if (base instanceof String s && property instanceof String p && isIndex(p)) {
            int length = s.codePointCount(0, s.length());
            long n = Long.parseLong(p);
            long index = n < 0 ? n + length : n;
            context.setPropertyResolved(true);
            if (index < 0 || index >= length) {
                return null; // Jinja2's getitem turns the IndexError into an undefined value
            }
            return Character.toString(s.codePointAt(s.offsetByCodePoints(0, (int) index)));
        }
        // Jinja2: an attribute or item a value lacks is undefined, not an error. Jinjava would look for a
        // Java getter (a string's "empty", "bytes") or fail; lists keep their index lookups below us.
        if (base instanceof CharSequence || base instanceof Number || base instanceof Boolean
                || base instanceof List<?> && !(property instanceof Number) && !isIndex(String.valueOf(property))) {
            context.setPropertyResolved(true);
            return null;
        }
        return null;
    }

    /** Whether a property name is an index: Jinjava hands {@code x[3]} over as text, and no name is all digits. */
    private static boolean isIndex(String property) {
        return property.matches("-?\\d{1,9}");
    }

    private static PyFunctions.Cursor cursorOf(ForLoop loop) {
        try {
            if (LOOP_ITERATOR != null && LOOP_ITERATOR.get(loop) instanceof PyFunctions.Cursor cursor) {
                return cursor;
            }
        } catch (IllegalAccessException e) {
            // fall through to the error below
        }
        throw new TemplateException("loop.previtem/loop.nextitem are unavailable in this loop");
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result = PyStrings.UNKNOWN;
        if (base == PyNone.NONE) {
            throw new TemplateException("'None' has no attribute '" + name + "'");
        }
        if (base instanceof String s && name.equals("format")) {
            result = PyStrFormat.call(s, args); // None and undefined print differently there
        } else if (base instanceof String s) {
            Object[] plain = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                plain[i] = PyNone.toNull(args[i]);
            }
            result = PyStrings.call(s, name, plain);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, args);
        } else if (base instanceof ForLoop loop && name.equals("changed")) {
            result = LoopChanged.changed(loop, args);
        } else if (base instanceof List<?> list && !(base instanceof PySequenceFilters.Group)) {
            result = listMethod(list, name, args);
        }
        if (result == PyStrings.UNKNOWN) {
            if (base instanceof String || base instanceof Map<?, ?> && !DICT_METHODS.contains(name)
                    || base instanceof List<?> && !LIST_METHODS.contains(name)) {
                // Python has no such method (Jinja2 fails calling the undefined attribute); the Java one of the
                // same name (Map.replace, List.add, String.isEmpty) must not run in its place. Python's own list
                // and dict methods stay with Jinjava's PyList/PyMap (the loop-filter rewrite appends, SourceRewriter)
                throw new TemplateException("'" + PyOrdering.typeName(base).replace("'", "") + " object' has no attribute '"
                        + name + "'");
            }
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    /** Python's list and dict methods: the names a template may call on them (the rest are Java's). */
    private static final Set<String> LIST_METHODS = Set.of("append", "extend", "insert", "remove", "pop",
            "clear", "index", "count", "sort", "reverse", "copy");
    private static final Set<String> DICT_METHODS = Set.of("keys", "values", "items", "get", "pop",
            "popitem", "setdefault", "update", "clear", "copy");

    /** Python's read-only list methods; mutating ones stay unsupported, as Jinja2's sandbox refuses them. */
    private static Object listMethod(List<?> list, String name, Object[] args) {
        return switch (name) {
            case "index" -> {
                for (int i = 0; i < list.size(); i++) {
                    if (args.length > 0 && PyEquality.equal(list.get(i), args[0])) {
                        yield (long) i;
                    }
                }
                throw new TemplateException(PyValues.repr(args.length > 0 ? args[0] : null) + " is not in list");
            }
            case "count" -> list.stream().filter(x -> args.length > 0 && PyEquality.equal(x, args[0])).count();
            default -> PyStrings.UNKNOWN;
        };
    }

    private static Object mapMethod(Map<?, ?> map, String name, Object[] args) {
        return switch (name) {
            case "items" -> {
                List<Object> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
                yield items;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            case "get" -> {
                Object key = args.length > 0 ? args[0] : null;
                yield map.containsKey(key) ? map.get(key) : (args.length > 1 ? args[1] : PyNone.NONE);
            }
            default -> PyStrings.UNKNOWN;
        };
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not ours: the next resolver in the chain handles assignment
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
