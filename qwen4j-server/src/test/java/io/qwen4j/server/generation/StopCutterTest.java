package io.qwen4j.server.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopCutterTest {

    /** The obvious whole-text answer: everything before the earliest occurrence of any stop string. */
    static String expected(String text, List<String> stops) {
        int cut = text.length();
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return text.substring(0, cut);
    }

    static String streamed(String text, List<String> stops, Random random) {
        StopCutter cutter = new StopCutter(stops);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int n = Math.min(text.length() - i, 1 + random.nextInt(4));
            out.append(cutter.accept(text.substring(i, i + n)));
            i += n;
        }
        return out.append(cutter.finish()).toString();
    }

    @Test
    void anySplitGivesTheWholeTextCut() {
        Random random = new Random(5);
        String alphabet = "abc\n#";
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0, n = random.nextInt(30); i < n; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            List<String> stops = List.of("ab#", "\n\n", "cc");
            String t = text.toString();
            assertEquals(expected(t, stops), streamed(t, stops, random), t);
        }
    }

    @Test
    void heldTextNeverSplitsASurrogatePair() {
        StopCutter cutter = new StopCutter(List.of("xyz"));
        String emitted = cutter.accept("a😀");
        assertFalse(emitted.endsWith("\uD83D"), emitted);
        assertEquals("a😀b", emitted + cutter.accept("b") + cutter.finish());
    }

    @Test
    void noStopsPassesEverythingThrough() {
        StopCutter cutter = new StopCutter(List.of());
        assertEquals("abc", cutter.accept("abc"));
        assertFalse(cutter.matched());
        StopCutter stopping = new StopCutter(List.of("b"));
        assertEquals("a", stopping.accept("abc"));
        assertTrue(stopping.matched());
        assertEquals("", stopping.accept("more"));
    }
}
