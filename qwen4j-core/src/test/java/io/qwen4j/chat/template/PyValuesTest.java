package io.qwen4j.chat.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Python repr/str and json.dumps layouts; expected strings were printed by CPython 3.11. */
class PyValuesTest {

    @Test
    void floatReprMatchesPython() {
        double[] values = {1e-05, 1e+17, 0.1, -0.0, 1e16, 1e15, 0.0001, 123456789.123, 1.5e300, 2.5e-10, 100.0, 1.0 / 3};
        String[] python = {"1e-05", "1e+17", "0.1", "-0.0", "1e+16", "1000000000000000.0", "0.0001", "123456789.123",
            "1.5e+300", "2.5e-10", "100.0", "0.3333333333333333"};
        for (int i = 0; i < values.length; i++) {
            assertEquals(python[i], PyValues.floatRepr(values[i]), "repr of " + values[i]);
        }
    }

    @Test
    void strOfContainersMatchesPython() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("a", 1);
        map.put("b", Arrays.asList(true, null, "it's", 2.5));
        assertEquals("{'a': 1, 'b': [True, None, \"it's\", 2.5]}", PyValues.str(map));
        assertEquals("['a\\nb', '\\\\']", PyValues.str(List.of("a\nb", "\\")));
    }

    @Test
    void jsonDumpsLayouts() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("z", List.of(1, 1e-05));
        map.put("ü", "\"q\"\t");
        // json.dumps(m, ensure_ascii=False) and json.dumps(m, ensure_ascii=False, indent=2)
        assertEquals("{\"z\": [1, 1e-05], \"ü\": \"\\\"q\\\"\\t\"}", PyJson.withIndent(null).dumps(map));
        assertEquals("{\n  \"z\": [\n    1,\n    1e-05\n  ],\n  \"ü\": \"\\\"q\\\"\\t\"\n}", PyJson.withIndent("  ").dumps(map));
    }

    @Test
    void pythonSplitAndStrip() {
        assertEquals(List.of("a", "b", "c"), PyStrings.split("  a b\t\nc ", null, -1));
        assertEquals(List.of("a", "", "b", ""), PyStrings.split("a..b.", ".", -1));
        assertEquals("x", PyStrings.strip("\n\nx\n", "\n", true, true));
        assertEquals("Hello World'S", PyStrings.title("hello world's"));
    }

    /** Expected values printed by Python 3.11's {@code str.title()}. */
    @Test
    void titleUsesPythonsFullMappingsAndFinalSigma() {
        assertEquals("Straße Fine", PyStrings.title("straße ﬁne")); // 'ß' lowered after a letter, 'ﬁ' -> "Fi"
        assertEquals("Ss Ss", PyStrings.title("ß ß"));
        assertEquals("\u1fbc \u0386\u0345 \u0397\u0342\u0345 \u1f98", PyStrings.title("\u1fb3 \u1fb4 \u1fc7 \u1f98"));
        assertEquals("ǅemal ǈ", PyStrings.title("ǆemal ǈ"));
        assertEquals("İstanbul", PyStrings.title("İSTANBUL"));
        assertEquals("Οδος Οδος.", PyStrings.title("ΟΔΟΣ ΟΔΟΣ."));
        assertEquals("Ας'", PyStrings.title("ΑΣ'"));
        assertEquals("Ασ'Α", PyStrings.title("ΑΣ'Α"));
        assertEquals("Ας\u0301", PyStrings.title("ΑΣ\u0301"));
        assertEquals("Ασ\u0301Α", PyStrings.title("ΑΣ\u0301Α"));
        assertEquals("Σ", PyStrings.title("Σ"));
    }

    /** Expected values printed by Python 3.11; Java's own case methods differ on each of these. */
    @Test
    void caseMethodsFollowPython() {
        assertEquals("strasse ss \u03c1 \u03c3 \u13d5 \u13d5 \u0131 i\u0307",
                PyStrings.call("Stra\u00dfe \u1e9e \u03f1 \u03c2 \uaba5 \u13d5 \u0131 \u0130", "casefold", new Object[0]));
        assertEquals("\u1f0a\u0399SS \u03b1\u03c2 \u03b1\u03c3'\u03b1 \u01c5",
                PyStrings.call("\u1f82\u00df \u0391\u03a3 \u0391\u03a3'\u0391 \u01c5", "swapcase", new Object[0]));
        assertEquals("\u03c3\u0301\u03b1'''\u03c2 \u03b1\u03c2.", PyStrings.lower("\u03a3\u0301\u03b1'''\u03a3 \u0391\u03a3."));
        assertEquals(false, PyStrings.call("\u1ffc", "islower", new Object[0])); // title case is cased, not lower
        assertEquals(false, PyStrings.call("\u1fca\u1f9c", "isupper", new Object[0]));
        assertEquals(true, PyStrings.call("\u0391\u0392", "isupper", new Object[0]));
        assertEquals(true, PyStrings.call("ab\u00b2", "islower", new Object[0]));
        assertEquals(true, PyStrings.call("\u2161\u00bda1", "isalnum", new Object[0]));
        assertEquals(true, PyStrings.call("\u00b2\u2087\u2460", "isdigit", new Object[0]));
        assertEquals(false, PyStrings.call("\u00bd", "isdigit", new Object[0]));
        assertEquals(false, PyStrings.call("\u2469", "isdigit", new Object[0]));
    }

    /** Expected values printed by Python 3.11 ({@code str.capitalize()}) and Jinja2 3.1 (the {@code title} filter). */
    @Test
    void capitalizeAndTheTitleFilterLowerWithContext() {
        assertEquals("Ssx", PyStrings.capitalize("ßx"));
        assertEquals("Ας", PyStrings.capitalize("ΑΣ"));
        assertEquals("\u01c5x ß", PyStrings.capitalize("\u01c6x ß"));
        assertEquals("Hello world", PyStrings.capitalize("hELLO wORLD"));
        assertEquals("", PyStrings.capitalize(""));
        assertEquals("Οδος Οδος-Ασ (\u01c4x", PyFilters.titleFilter("ΟΔΟΣ ΟΔΟΣ-ΑΣ (\u01c6x"));
    }
}
