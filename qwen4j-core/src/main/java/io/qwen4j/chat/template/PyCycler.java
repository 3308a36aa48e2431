package io.qwen4j.chat.template;

import java.util.List;

/**
 * Jinja2's {@code cycler(a, b, …)}: {@code next()} returns the current item and moves on, wrapping around;
 * {@code current} is the item {@code next()} returns next; {@code reset()} goes back to the first. Public
 * because Jinjava calls its methods by reflection.
 */
public final class PyCycler {

    private final List<Object> items;
    private int position;

    PyCycler(List<Object> items) {
        if (items.isEmpty()) {
            throw new TemplateException("at least one item has to be provided to cycler()");
        }
        this.items = items;
    }

    public Object next() {
        Object item = items.get(position);
        position = (position + 1) % items.size();
        return item;
    }

    public Object getCurrent() {
        return items.get(position);
    }

    /** Python's None, which {@code {{ c.reset() }}} prints as {@code None}, as Jinja2 does. */
    public Object reset() {
        position = 0;
        return PyNone.NONE;
    }
}
