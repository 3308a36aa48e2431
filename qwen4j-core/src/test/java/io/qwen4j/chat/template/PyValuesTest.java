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
        assertEquals("Hello World'S", PyCase.title("hello world's"));
    }
}
