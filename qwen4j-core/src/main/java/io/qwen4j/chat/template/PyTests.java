package io.qwen4j.chat.template;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.objects.SafeString;
import java.util.Collection;
import java.util.Map;

/**
 * Jinja2 tests that take an argument or look at the environment, where Jinjava's differ or are
 * missing: {@code in} (a substring of a string, a key of a mapping, an item by Python equality),
 * {@code sameas} (identity, with CPython's cached small ints and the singletons), {@code filter} and
 * {@code test} (a name the environment knows), {@code escaped} (Markup, i.e. the output of
 * {@code escape}).
 */
final class PyTests {
    private PyTests() {
    }

    interface Body {
        boolean test(Object value, Object[] args, JinjavaInterpreter interpreter);
    }

    static void install(Context global) {
        register(global, "in", (v, a, i) -> contains(a.length > 0 ? a[0] : null, v));
        register(global, "sameas", (v, a, i) -> sameAs(v, a.length > 0 ? a[0] : null));
        register(global, "filter", (v, a, i) -> i.getContext().getFilter(PyValues.str(v)) != null);
        register(global, "test", (v, a, i) -> i.getContext().getExpTest(PyValues.str(v)) != null);
        register(global, "escaped", (v, a, i) -> v instanceof SafeString);
    }

    /** Python's {@code item in container}, with Jinja2's undefined (Java null) an empty container. */
    static boolean contains(Object container, Object item) {
        Object c = TemplateLibrary.unwrap(PyValues.unwrapList(container));
        return switch (c) {
            case CharSequence s when PyValues.isText(item) ->
                    s.toString().contains(item.toString());
            case CharSequence s -> throw new TemplateException("'in <string>' requires string as left operand, not "
                    + PyOrdering.typeName(item));
            case Map<?, ?> m -> m.keySet().stream().anyMatch(k -> PyEquality.equal(k, item));
            case Collection<?> list -> list.stream().anyMatch(x -> PyEquality.equal(x, item));
            case null -> false; // Jinja2's Undefined iterates as empty
            default -> throw new TemplateException("argument of type " + PyOrdering.typeName(c)
                    + " is not iterable");
        };
    }

    private static boolean sameAs(Object a, Object b) {
        if (a == b) {
            return true;
        }
        // CPython caches the ints -5..256 (so 7 is 7); Java boxes them anew.
        boolean smallInts = (a instanceof Long || a instanceof Integer) && (b instanceof Long || b instanceof Integer);
        if (smallInts) {
            long x = ((Number) a).longValue();
            return x == ((Number) b).longValue() && x >= -5 && x <= 256;
        }
        return a instanceof Boolean && a.equals(b);
    }

    /** Registers a test under {@code name}; {@link TemplateLibrary}'s type tests use it too. */
    static void register(Context global, String name, Body body) {
        global.registerExpTest(new ExpTest() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
                return body.test(var, args, interpreter);
            }
        });
    }
}
