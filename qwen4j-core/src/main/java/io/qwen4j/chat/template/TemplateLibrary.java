package io.qwen4j.chat.template;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.SafeString;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The filters, tests and functions that make Jinjava behave as Jinja2 does under HF transformers:
 * {@code tojson} (HF's json.dumps signature), {@code string} (Python str), {@code items}, {@code trim},
 * {@code list}, the type tests ({@code is string}, {@code is sequence} …) with Python's notion of types,
 * and the functions {@code raise_exception}, {@code dict} and {@code cycler}, plus the two {@link SourceRewriter} inserts.
 *
 * <p>To add a filter: one {@code named(...)} line in {@link #install}.
 */
final class TemplateLibrary {
    private TemplateLibrary() {
    }

    static void install(Context global) {
        // The none/None literal (SourceRewriter makes None lower-case) is this variable: Jinjava has no
        // None, and its null is also "undefined".
        global.put("none", PyNone.NONE);
        global.registerFilter(PyFilters.varargsFilter("tojson", TemplateLibrary::toJson));
        PyFilters.install(global);
        PyTextFilters.install(global);
        PySequenceFilters.install(global);
        BlockTags.install(global);
        // Jinja2's soft_str: an undefined value is '' (None is 'None')
        global.registerFilter(named("string", (value, args) -> unwrap(value) instanceof String s ? s : PyValues.softStr(unwrap(value))));
        global.registerFilter(named("items", (value, args) -> items(unwrap(value))));
        global.registerFilter(named("trim", (value, args) ->
                PyStrings.strip(PyValues.softStr(unwrap(value)), args.length > 0 ? args[0] : null, true, true)));
        // Jinja2's soft_str(value).lower()/.upper(): None is 'none', an undefined value ''.
        global.registerFilter(named("lower", (value, args) -> PyCase.lower(PyValues.softStr(unwrap(value)))));
        global.registerFilter(named("upper", (value, args) -> PyValues.softStr(unwrap(value)).toUpperCase(java.util.Locale.ROOT)));
        // Python's len(): code points for strings (an emoji is 1, not 2 UTF-16 units).
        global.registerFilter(named("length", (value, args) -> length(unwrap(value))));
        global.registerFilter(named("count", (value, args) -> length(unwrap(value))));
        global.registerFilter(named("list", (value, args) -> new ArrayList<>((Collection<?>) PyFunctions.iter(unwrap(value)))));

        test(global, "string", v -> v instanceof CharSequence);
        test(global, "mapping", v -> v instanceof Map);
        // Python: str, list and dict all have __len__ and __getitem__ (sequence) and __iter__ (iterable); so
        // has Jinja2's Undefined (null here), which iterates as empty.
        test(global, "sequence", v -> v == null || v instanceof CharSequence || v instanceof Collection || v instanceof Map
                || v instanceof Object[]);
        test(global, "iterable", v -> v == null || v instanceof CharSequence || v instanceof Iterable || v instanceof Map
                || v instanceof Object[]);
        test(global, "number", v -> v instanceof Number || v instanceof Boolean);
        test(global, "integer", v -> v instanceof Integer || v instanceof Long || v instanceof BigInteger
                || v instanceof Short || v instanceof Byte);
        test(global, "float", v -> v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal);
        test(global, "boolean", v -> v instanceof Boolean);
        // Python's callable(): macros, and Jinja2's Undefined (it has __call__, which raises)
        test(global, "callable", v -> v == null || v instanceof com.hubspot.jinjava.lib.fn.MacroFunction);
        test(global, "none", v -> v == PyNone.NONE);
        PyTests.install(global);
        test(global, "true", v -> Boolean.TRUE.equals(v));
        test(global, "false", v -> Boolean.FALSE.equals(v));

        global.registerFunction(new ELFunctionDefinition("", "raise_exception", PyFunctions.class, "raiseException",
                Object.class));
        global.registerFunction(new ELFunctionDefinition("", "dict", PyFunctions.class, "dict", Object[].class));
        global.registerFunction(new ELFunctionDefinition("", "cycler", PyFunctions.class, "cycler", Object[].class));
        global.registerFunction(new ELFunctionDefinition("", "range", PyFunctions.class, "range", Object[].class));
        global.registerFunction(new ELFunctionDefinition("", SourceRewriter.SLICE_FUNCTION, PyFunctions.class, "slice",
                Object.class, Object.class, Object.class, Object.class));
        global.registerFunction(new ELFunctionDefinition("", SourceRewriter.ITER_FUNCTION, PyFunctions.class, "iter",
                Object.class));
        global.registerFunction(new ELFunctionDefinition("", SourceRewriter.VARIABLE_FUNCTION, PyFunctions.class,
                "variable", String.class));
    }

    static Object unwrap(Object value) {
        return value instanceof SafeString safe ? safe.toString() : value;
    }

    private static long length(Object value) {
        return switch (value) {
            case null -> 0;
            case PyNone none -> throw new TemplateException("object of type 'NoneType' has no len()");
            case CharSequence s -> s.toString().codePointCount(0, s.length());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case Object[] a -> a.length;
            default -> throw new TemplateException("object of type " + value.getClass().getSimpleName() + " has no len()");
        };
    }

    private static List<Object> items(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new TemplateException("items filter: " + PyValues.repr(value) + " is not a mapping");
        }
        List<Object> out = new ArrayList<>(map.size());
        map.forEach((k, v) -> out.add(PyTuple.of(k, v)));
        return out;
    }

    private interface FilterBody {
        Object apply(Object value, Object[] args);
    }

    /** A filter of positional arguments only (keywords are ignored), Jinjava's safe-string handling kept. */
    private static Filter named(String name, FilterBody body) {
        return PyFilters.varargsFilter(name, (value, args, kwargs, interpreter) -> body.apply(value, args));
    }

    private static void test(Context global, String name, Predicate<Object> predicate) {
        PyTests.register(global, name, (var, args, interpreter) -> predicate.test(unwrap(var)));
    }

    /** HF's {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static Object toJson(Object var, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        if (var == null) {
            // Jinja2's Undefined (a missing key or variable); None is PyNone and dumps as null.
            throw new TemplateException("tojson: Object of type Undefined is not JSON serializable");
        }
        Object ensureAscii = argument(args, kwargs, 0, "ensure_ascii");
        Object indent = argument(args, kwargs, 1, "indent");
        Object separators = argument(args, kwargs, 2, "separators");
        Object sortKeys = argument(args, kwargs, 3, "sort_keys");
        String indentText = switch (indent) {
            case null -> null;
            case Number n -> " ".repeat(Math.max(0, n.intValue()));
            case CharSequence s -> s.toString();
            default -> throw new TemplateException("tojson: indent must be an int or a string, not " + PyValues.repr(indent));
        };
        String itemSeparator = indentText == null ? ", " : ",";
        String keySeparator = ": ";
        if (separators instanceof List<?> pair && pair.size() == 2) {
            itemSeparator = PyValues.str(pair.get(0));
            keySeparator = PyValues.str(pair.get(1));
        } else if (separators != null) {
            throw new TemplateException("tojson: separators must be a pair of strings, not " + PyValues.repr(separators));
        }
        return new PyJson(indentText, itemSeparator, keySeparator, PyValues.truthy(sortKeys), PyValues.truthy(ensureAscii))
                .dumps(unwrap(var));
    }

    private static Object argument(Object[] args, Map<String, Object> kwargs, int position, String name) {
        if (kwargs != null && kwargs.containsKey(name)) {
            return PyNone.toNull(kwargs.get(name));
        }
        return PyNone.toNull(args != null && args.length > position ? args[position] : null);
    }
}
