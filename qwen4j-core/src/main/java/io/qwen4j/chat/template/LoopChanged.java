package io.qwen4j.chat.template;

import com.hubspot.jinjava.util.ForLoop;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Jinja2's {@code loop.changed(*values)}: true on the first call in a loop and whenever the values differ
 * from the previous call's. Jinjava's ForLoop has no such method or a place for the state, so the last
 * values are kept here per loop object, weakly (a loop is garbage once its render ends).
 */
final class LoopChanged {
    private static final Map<ForLoop, Object> LAST = Collections.synchronizedMap(new WeakHashMap<>());
    private static final Object NEVER = new Object();

    private LoopChanged() {
    }

    static boolean changed(ForLoop loop, Object[] values) {
        Object current = PyTuple.copyOf(Arrays.asList(values));
        Object previous = LAST.getOrDefault(loop, NEVER);
        if (previous != NEVER && PyEquality.equal(previous, current)) {
            return false;
        }
        LAST.put(loop, current);
        return true;
    }
}
