package io.qwen4j.chat.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's filters over sequences where Jinjava's differ or are missing: {@code select}/{@code reject}
 * (a test is optional), {@code sort},
 * {@code dictsort}, {@code unique}, {@code min}, {@code max} (case-insensitive by default, by
 * attribute), {@code sum} (exact ints), {@code groupby} (sorted by the grouper), {@code map} (a filter by name, or an attribute
 * with a default), {@code batch} and {@code slice}. Orderings are {@link PyOrdering}; attributes are
 * read as Jinja2's {@code make_attrgetter} does ({@code 'a.0.b'}).
 */
final class PySequenceFilters {
    private PySequenceFilters() {
    }

    static void install(com.hubspot.jinjava.interpret.Context global) {
        // Jinja2's do_join: iterates as a for loop does (a dict gives its keys, a string its characters), each
        // item (or its attribute) as soft_str; Jinjava's joined a dict's values.
        global.registerFilter(PyFilters.filter("join", (v, a, i) -> {
            String separator = PyValues.softStr(a.get("d", ""));
            Object attribute = a.get("attribute", null);
            StringBuilder out = new StringBuilder();
            boolean first = true;
            for (Object item : items(v)) {
                out.append(first ? "" : separator);
                out.append(PyValues.softStr(attribute == null ? item : attribute(item, attribute, null)));
                first = false;
            }
            return out.toString();
        }, "d", "attribute"));
        global.registerFilter(PyFilters.filter("sort", (v, a, i) -> {
            List<Object> items = items(v);
            Comparator<Object> order = byAttribute(a.get("attribute", null), a.flag("case_sensitive"), null);
            items.sort(a.flag("reverse") ? order.reversed() : order);
            return items;
        }, "reverse", "case_sensitive", "attribute"));
        global.registerFilter(PyFilters.filter("dictsort", (v, a, i) -> {
            Object value = TemplateLibrary.unwrap(v);
            if (!(value instanceof Map<?, ?> map)) {
                throw new TemplateException("dictsort: " + PyValues.repr(value) + " is not a mapping");
            }
            String by = PyValues.str(a.get("by", "key"));
            int position = switch (by) {
                case "key" -> 0;
                case "value" -> 1;
                default -> throw new TemplateException("You can only sort by either \"key\" or \"value\"");
            };
            List<Object> pairs = new ArrayList<>();
            map.forEach((k, x) -> pairs.add(PyTuple.of(k, x)));
            Comparator<Object> order = (p, q) -> PyOrdering.comparator(a.flag("case_sensitive"))
                    .compare(((List<?>) p).get(position), ((List<?>) q).get(position));
            pairs.sort(a.flag("reverse") ? order.reversed() : order);
            return pairs;
        }, "case_sensitive", "by", "reverse"));
        global.registerFilter(PyFilters.filter("unique", (v, a, i) -> {
            List<Object> seen = new ArrayList<>();
            List<Object> out = new ArrayList<>();
            Object attribute = a.get("attribute", null);
            for (Object item : items(v)) {
                Object key = attribute(item, attribute, null);
                if (key instanceof Map<?, ?> || key instanceof List<?> && !(key instanceof PyTuple)) {
                    throw new TemplateException("unhashable type: " + PyOrdering.typeName(key)); // Jinja2 keeps a set of seen keys
                }
                key = a.flag("case_sensitive") ? key : PyOrdering.ignoreCase(key);
                Object k = key;
                if (seen.stream().noneMatch(s -> PyEquality.equal(s, k))) {
                    seen.add(key);
                    out.add(item);
                }
            }
            return out;
        }, "case_sensitive", "attribute"));
        global.registerFilter(PyFilters.filter("min", (v, a, i) -> extreme(v, a, false), "case_sensitive", "attribute"));
        global.registerFilter(PyFilters.filter("max", (v, a, i) -> extreme(v, a, true), "case_sensitive", "attribute"));
        global.registerFilter(PyFilters.filter("groupby", (v, a, i) -> groupby(items(v), a.get("attribute", null),
                a.get("default", null), a.flag("case_sensitive")), "attribute", "default", "case_sensitive"));
        global.registerFilter(PyFilters.varargsFilter("map", PySequenceFilters::map));
        global.registerFilter(PyFilters.filter("select", (v, a, i) -> select(itemsIfTruthy(v), a.rest(), i, true)));
        global.registerFilter(PyFilters.filter("reject", (v, a, i) -> select(itemsIfTruthy(v), a.rest(), i, false)));
        global.registerFilter(PyFilters.filter("sum", (v, a, i) -> {
            Object total = a.get("start", 0L);
            if (total instanceof CharSequence) {
                throw new TemplateException("sum() can't sum strings [use ''.join(seq) instead]");
            }
            for (Object item : items(v)) {
                total = PyOperators.add(total, attribute(item, a.get("attribute", null), null));
            }
            return total;
        }, "attribute", "start"));
        // Jinja2: a string reversed by characters (Jinjava's split surrogate pairs), anything else as reversed()
        global.registerFilter(PyFilters.filter("reverse", (v, a, i) -> {
            if (TemplateLibrary.unwrap(v) instanceof CharSequence s) {
                return new StringBuilder(s).reverse().toString(); // keeps surrogate pairs together
            }
            List<Object> reversed = items(v);
            java.util.Collections.reverse(reversed);
            return reversed;
        }));
        global.registerFilter(PyFilters.filter("batch", (v, a, i) -> batch(items(v), a.integer("linecount", 1),
                PyNone.toNull(a.get("fill_with", null))), "linecount", "fill_with"));
        global.registerFilter(PyFilters.filter("slice", (v, a, i) -> slice(items(v), a.integer("slices", 1),
                PyNone.toNull(a.get("fill_with", null))), "slices", "fill_with"));
    }

    private static List<Object> items(Object value) {
        return new ArrayList<>((Collection<?>) PyFunctions.iter(TemplateLibrary.unwrap(value)));
    }

    /** Jinja2's {@code map}, {@code select} and {@code reject} start with {@code if value:}: a falsy value (none, 0, '') gives nothing. */
    private static List<Object> itemsIfTruthy(Object value) {
        return PyValues.truthy(TemplateLibrary.unwrap(value)) ? items(value) : new ArrayList<>();
    }

    /** Jinja2's environment.getitem along a dotted path; integer parts index lists. Missing: {@code otherwise}. */
    static Object attribute(Object item, Object path, Object otherwise) {
        if (path == null || path == PyNone.NONE) {
            return item;
        }
        Object current = item;
        for (String part : PyValues.str(path).split("\\.")) {
            current = switch (current) {
                case Map<?, ?> m when m.containsKey(part) -> m.get(part);
                case Group g when part.equals("grouper") -> g.getGrouper();
                case Group g when part.equals("list") -> g.getList();
                case List<?> l when part.matches("-?\\d+") && Math.abs(Integer.parseInt(part)) < l.size() + (part.startsWith("-") ? 1 : 0) ->
                        l.get(Integer.parseInt(part) < 0 ? l.size() + Integer.parseInt(part) : Integer.parseInt(part));
                case null, default -> null;
            };
            if (current == null) {
                return otherwise;
            }
        }
        return current;
    }

    /** Jinja2 3.1: {@code attribute='age,name'} sorts by each in turn. */
    private static Comparator<Object> byAttribute(Object attribute, boolean caseSensitive, Object otherwise) {
        Comparator<Object> values = PyOrdering.comparator(caseSensitive);
        if (attribute instanceof CharSequence names && names.toString().contains(",")) {
            Comparator<Object> order = (p, q) -> 0;
            for (String path : names.toString().split(",")) { // not stripped: 'age, name' looks up " name"
                // keys are lists, compared as Python does: equal items (undefined ones too) are skipped, not ordered
                order = order.thenComparing((p, q) -> {
                    Object x = attribute(p, path, otherwise);
                    Object y = attribute(q, path, otherwise);
                    return x == y || PyEquality.equal(x, y) ? 0 : values.compare(x, y);
                });
            }
            return order;
        }
        return (p, q) -> values.compare(attribute(p, attribute, otherwise), attribute(q, attribute, otherwise));
    }

    private static Object extreme(Object value, PyArgs args, boolean max) {
        List<Object> items = items(value);
        if (items.isEmpty()) {
            return null;
        }
        Comparator<Object> order = byAttribute(args.get("attribute", null), args.flag("case_sensitive"), null);
        Object best = items.getFirst();
        for (Object item : items.subList(1, items.size())) {
            int c = order.compare(item, best);
            if (max ? c > 0 : c < 0) {
                best = item;
            }
        }
        return best;
    }

    /** (grouper, list) pairs in grouper order, each item list in input order. */
    private static List<Object> groupby(List<Object> items, Object attribute, Object otherwise, boolean caseSensitive) {
        List<Object> sorted = new ArrayList<>(items);
        sorted.sort(byAttribute(attribute, caseSensitive, otherwise));
        List<Object> groups = new ArrayList<>();
        Object grouper = null;
        List<Object> members = null;
        for (Object item : sorted) {
            Object key = attribute(item, attribute, otherwise);
            Object compared = caseSensitive ? key : PyOrdering.ignoreCase(key);
            if (members == null || !PyEquality.equal(caseSensitive ? grouper : PyOrdering.ignoreCase(grouper), compared)) {
                members = new ArrayList<>();
                grouper = key;
                groups.add(new Group(grouper, members));
            }
            members.add(item);
        }
        return groups;
    }

    /** Jinja2's _GroupTuple: unpacks as (grouper, list) and has .grouper and .list. */
    static final class Group extends java.util.AbstractList<Object> {
        private final Object grouper;
        private final List<Object> list;

        Group(Object grouper, List<Object> list) {
            this.grouper = grouper;
            this.list = list;
        }

        public Object getGrouper() {
            return grouper;
        }

        public List<Object> getList() {
            return list;
        }

        @Override
        public Object get(int index) {
            return switch (index) {
                case 0 -> grouper;
                case 1 -> list;
                default -> throw new IndexOutOfBoundsException(index);
            };
        }

        @Override
        public int size() {
            return 2;
        }

        @Override
        public String toString() {
            return PyValues.repr(PyTuple.of(grouper, list));
        }
    }

    /** Jinja2's select/reject: items passing the named test with its arguments, or truthy ones without a test. */
    private static List<Object> select(List<Object> items, Object[] args, JinjavaInterpreter interpreter, boolean keep) {
        com.hubspot.jinjava.lib.exptest.ExpTest test = null;
        if (args.length > 0) {
            test = interpreter.getContext().getExpTest(PyValues.str(args[0]));
            if (test == null) {
                throw new TemplateException("No test named " + PyValues.repr(args[0]));
            }
        }
        Object[] testArgs = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : new Object[0];
        List<Object> out = new ArrayList<>();
        for (Object item : items) {
            boolean passes = test == null ? PyValues.truthy(item) : test.evaluate(item, interpreter, testArgs);
            if (passes == keep) {
                out.add(item);
            }
        }
        return out;
    }

    /**
     * Jinja2's batch, its loop as written: a row is handed out when it holds {@code size} items, before the next
     * is added, so a size of 0 gives an empty row then one row of everything, and a negative size one row.
     */
    private static List<Object> batch(List<Object> items, int size, Object fill) {
        List<Object> out = new ArrayList<>();
        List<Object> row = new ArrayList<>();
        for (Object item : items) {
            if (row.size() == size) {
                out.add(row);
                row = new ArrayList<>();
            }
            row.add(item);
        }
        if (!row.isEmpty()) {
            while (fill != null && row.size() < size) {
                row.add(fill);
            }
            out.add(row);
        }
        return out;
    }

    /** Jinja2's slice: {@code slices} columns, the first ones one longer, short ones filled if asked. */
    private static List<Object> slice(List<Object> items, int slices, Object fill) {
        int perSlice = items.size() / slices;
        int withExtra = items.size() % slices;
        int offset = 0;
        List<Object> out = new ArrayList<>();
        for (int n = 0; n < slices; n++) {
            int start = offset + n * perSlice;
            if (n < withExtra) {
                offset++;
            }
            int end = offset + (n + 1) * perSlice;
            List<Object> column = new ArrayList<>(items.subList(start, end));
            if (fill != null && n >= withExtra) {
                column.add(fill);
            }
            out.add(column);
        }
        return out;
    }

    /** {@code map('filter', *args)} or {@code map(attribute='a.b', default=x)}. */
    private static Object map(Object var, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        Map<String, Object> keywords = kwargs == null ? Map.of() : new LinkedHashMap<>(kwargs);
        List<Object> out = new ArrayList<>();
        if (keywords.containsKey("attribute")) {
            Object attribute = keywords.get("attribute");
            Object otherwise = keywords.get("default");
            for (Object item : itemsIfTruthy(var)) {
                out.add(attribute(item, attribute, otherwise));
            }
            return out;
        }
        if (args == null || args.length == 0) {
            throw new TemplateException("map requires a filter argument");
        }
        String name = PyValues.str(args[0]);
        Filter filter = interpreter.getContext().getFilter(name);
        if (filter == null) {
            throw new TemplateException("No filter named '" + name + "'");
        }
        Object[] rest = Arrays.copyOfRange(args, 1, args.length);
        for (Object item : itemsIfTruthy(var)) {
            out.add(filter.filter(item, interpreter, rest, keywords));
        }
        return out;
    }
}
