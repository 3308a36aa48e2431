package io.qwen4j.chat.template;

import java.util.List;
import java.util.Map;

/**
 * A filter's arguments bound to a Python signature: {@code get(1, "first")} is the second positional
 * argument or the keyword {@code first}, so {@code indent(2, true)} and {@code indent(first=true)} read
 * the same. None counts as given (Jinja2 passes it through); {@link #has} is false only when omitted.
 */
record PyArgs(List<String> names, Object[] positional, Map<String, Object> keywords) {

    /** A method call's arguments: Jinjava passes keyword ones as NamedParameters among the positional ones. */
    record Call(List<Object> positional, Map<String, Object> keywords) {
    }

    static Call split(Object[] args) {
        List<Object> positional = new java.util.ArrayList<>(args.length);
        Map<String, Object> keywords = new java.util.LinkedHashMap<>();
        for (Object a : args) {
            if (a instanceof com.hubspot.jinjava.el.ext.NamedParameter named) {
                keywords.put(named.getName(), named.getValue());
            } else {
                positional.add(a);
            }
        }
        return new Call(positional, keywords);
    }

    static PyArgs bind(Object[] args, Map<String, Object> kwargs, String... names) {
        Map<String, Object> keywords = kwargs == null ? Map.of() : kwargs;
        for (String key : keywords.keySet()) {
            if (!List.of(names).contains(key)) {
                throw new TemplateException("unexpected keyword argument '" + key + "'");
            }
        }
        return new PyArgs(List.of(names), args == null ? new Object[0] : args, keywords);
    }

    boolean has(String name) {
        int index = names.indexOf(name);
        return keywords.containsKey(name) || (index >= 0 && index < positional.length);
    }

    /** The argument, or {@code otherwise} when omitted. */
    Object get(String name, Object otherwise) {
        if (keywords.containsKey(name)) {
            return keywords.get(name);
        }
        int index = names.indexOf(name);
        return index >= 0 && index < positional.length ? positional[index] : otherwise;
    }

    boolean flag(String name) {
        return PyValues.truthy(get(name, false));
    }

    int integer(String name, int otherwise) {
        Object v = PyNone.toNull(get(name, otherwise));
        if (v instanceof Number n) {
            return n.intValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new TemplateException("'" + PyValues.repr(v) + "' cannot be interpreted as an integer");
    }

    /** Arguments after the named ones ({@code *args}). */
    Object[] rest() {
        return positional.length <= names.size() ? new Object[0]
                : java.util.Arrays.copyOfRange(positional, names.size(), positional.length);
    }
}
