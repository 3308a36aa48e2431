package io.qwen4j.chat.template;

import com.hubspot.jinjava.el.TruthyTypeConverter;

/**
 * Jinjava's type converter with Python's {@code str()} for the conversions to text that Jinja2 does with
 * {@code str()}: the {@code ~} operator ({@code 'v=' ~ true} is {@code v=True}, not {@code v=true}),
 * floats ({@code 1e-05}) and containers ({@code ['a']}). Installed by {@link JinjaRenderer}.
 */
final class PyTypeConverter extends TruthyTypeConverter {
    @Override
    protected String coerceToString(Object value) {
        return switch (value) {
            case PyNone none -> "None";
            case Boolean b -> b ? "True" : "False";
            case Double d -> PyValues.floatRepr(d);
            case Float f -> PyValues.floatRepr(f.doubleValue());
            case java.util.Collection<?> c -> PyValues.repr(c);
            case java.util.Map<?, ?> m -> PyValues.repr(m);
            case null, default -> super.coerceToString(value);
        };
    }
}
