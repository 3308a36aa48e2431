package io.qwen4j.chat.template;

import com.hubspot.jinjava.util.HasObjectTruthValue;

/**
 * Python's {@code None} inside a render. Jinjava has only Java {@code null}, which it also uses for an
 * undefined value; Jinja2 tells them apart ({@code {{ none }}} prints {@code None}, {@code x is defined}
 * is true for {@code x = None}, {@code missing is none} is false, a macro argument passed as None shadows
 * an outer variable). So JSON nulls in the render's inputs ({@link JsonValues#templateValue}), the
 * {@code none}/{@code None} literal (a global variable, see {@link TemplateLibrary}) and
 * {@code dict.get(k)} on a missing key are this marker, and {@code null} stays "undefined".
 *
 * <p>Falsy ({@link HasObjectTruthValue}), prints {@code None}, {@code tojson} gives {@code null}.
 */
final class PyNone implements HasObjectTruthValue {
    static final PyNone NONE = new PyNone();

    private PyNone() {
    }

    @Override
    public boolean getObjectTruthValue() {
        return false;
    }

    @Override
    public String toString() {
        return "None";
    }

    /** Java null for None, for code that takes null as "omitted" (slice bounds, str method arguments). */
    static Object toNull(Object value) {
        return value == NONE ? null : value;
    }
}
