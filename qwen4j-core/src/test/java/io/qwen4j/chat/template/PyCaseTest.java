package io.qwen4j.chat.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link PyCase} against values printed by CPython 3.11 and Jinja2 3.1; Java's own case methods differ on each. */
class PyCaseTest {

    /** Expected values printed by Python 3.11's {@code str.title()}. */
    @Test
    void titleUsesPythonsFullMappingsAndFinalSigma() {
        assertEquals("Straße Fine", PyCase.title("straße ﬁne")); // 'ß' lowered after a letter, 'ﬁ' -> "Fi"
        assertEquals("Ss Ss", PyCase.title("ß ß"));
        assertEquals("\u1fbc \u0386\u0345 \u0397\u0342\u0345 \u1f98", PyCase.title("\u1fb3 \u1fb4 \u1fc7 \u1f98"));
        assertEquals("ǅemal ǈ", PyCase.title("ǆemal ǈ"));
        assertEquals("İstanbul", PyCase.title("İSTANBUL"));
        assertEquals("Οδος Οδος.", PyCase.title("ΟΔΟΣ ΟΔΟΣ."));
        assertEquals("Ας'", PyCase.title("ΑΣ'"));
        assertEquals("Ασ'Α", PyCase.title("ΑΣ'Α"));
        assertEquals("Ας\u0301", PyCase.title("ΑΣ\u0301"));
        assertEquals("Ασ\u0301Α", PyCase.title("ΑΣ\u0301Α"));
        assertEquals("Σ", PyCase.title("Σ"));
    }

    /** Expected values printed by Python 3.11; Java's own case methods differ on each of these. */
    @Test
    void caseMethodsFollowPython() {
        assertEquals("strasse ss \u03c1 \u03c3 \u13d5 \u13d5 \u0131 i\u0307",
                PyStrings.call("Stra\u00dfe \u1e9e \u03f1 \u03c2 \uaba5 \u13d5 \u0131 \u0130", "casefold", new Object[0]));
        assertEquals("\u1f0a\u0399SS \u03b1\u03c2 \u03b1\u03c3'\u03b1 \u01c5",
                PyStrings.call("\u1f82\u00df \u0391\u03a3 \u0391\u03a3'\u0391 \u01c5", "swapcase", new Object[0]));
        assertEquals("\u03c3\u0301\u03b1'''\u03c2 \u03b1\u03c2.", PyCase.lower("\u03a3\u0301\u03b1'''\u03a3 \u0391\u03a3."));
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
        assertEquals("Ssx", PyCase.capitalize("ßx"));
        assertEquals("Ας", PyCase.capitalize("ΑΣ"));
        assertEquals("\u01c5x ß", PyCase.capitalize("\u01c6x ß"));
        assertEquals("Hello world", PyCase.capitalize("hELLO wORLD"));
        assertEquals("", PyCase.capitalize(""));
        assertEquals("Οδος Οδος-Ασ (\u01c4x", PyTextFilters.titleFilter("ΟΔΟΣ ΟΔΟΣ-ΑΣ (\u01c6x"));
    }
}
