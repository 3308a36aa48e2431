package io.qwen4j.chat.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad templates and bad conversations fail with a TemplateException that names the problem. */
class BadInputTest {
    private static final List<Map<String, Object>> HELLO = List.of(Map.of("role", "user", "content", "hi"));

    /** Each template, rendered on HELLO, fails with a message containing its expected text. */
    private static void assertEachRefused(Map<String, String> cases) {
        cases.forEach((template, expected) -> {
            String message = failure(() -> ChatTemplate.parse(template, "", "").render(HELLO, null, null));
            assertTrue(message.contains(expected), template + " -> " + message);
        });
    }

    private static String failure(Runnable action) {
        TemplateException e = assertThrows(TemplateException.class, action::run);
        assertTrue(e instanceof InvalidInputException);
        return e.getMessage();
    }

    /** What Jinja2 refuses (a TypeError, an assertion, a missing attribute), found by src/test/python/fuzz_values.py. */
    @Test
    void pythonErrorsAreErrorsHere() {
        assertEachRefused(Map.of(
                "{{ 5|indent(2) }}", "indent",
                "{{ 'abcdef'|truncate(2) }}", "expected length >= 3, got 2",
                "{{ 5.5|truncate(3) }}", "has no len()",
                "{{ [{'a': 1}, {'a': 1}]|unique|list }}", "unhashable type: 'dict'",
                "{{ messages[0].replace('a', 'b') }}", "'dict object' has no attribute 'replace'",
                "{{ messages.add(1) }}", "'list object' has no attribute 'add'",
                "{{ 'x'.isEmpty() }}", "'str object' has no attribute 'isEmpty'",
                "{{ 1 / 0 }}", "division by zero",
                "{{ 1 // 0 }}", "division or modulo by zero",
                "{{ 1.5 % 0 }}", "float modulo"));
        assertEachRefused(Map.of("{{ 'a' < 1 }}", "'<' not supported", "{{ none > 0 }}", "'<' not supported"));
    }

    @Test
    void templateThatDoesNotParse() {
        String message = failure(() -> ChatTemplate.parse("{% for m in messages %}{{ m.content }}", "", ""));
        assertTrue(message.contains("syntax") || message.contains("endfor") || message.contains("for"), message);
        String unclosed = failure(() -> ChatTemplate.parse("line\n{{ messages[0].content ", "", ""));
        assertTrue(unclosed.contains("line 2"), unclosed);
    }

    @Test
    void raiseExceptionStopsRendering() {
        ChatTemplate t = ChatTemplate.parse(
                "{% if messages[0].role != 'system' %}{{ raise_exception('System message required, got ' + messages[0].role) }}{% endif %}ok",
                "", "");
        String message = failure(() -> t.render(HELLO, null, null));
        assertTrue(message.contains("System message required, got user"), message);
        assertEquals("ok", t.render(List.of(Map.of("role", "system", "content", "s")), null, null));
    }

    @Test
    void dictOfAnythingButKeywordsAndOneMappingIsAnError() {
        String message = failure(() -> ChatTemplate.parse("{{ dict(1) }}", "", "").render(HELLO, null, null));
        assertTrue(message.contains("dict()") && message.contains("1"), message);
    }

    @Test
    void aCyclerOfNothingIsAnError() {
        String message = failure(() -> ChatTemplate.parse("{{ cycler().next() }}", "", "").render(HELLO, null, null));
        assertTrue(message.contains("cycler()"), message);
    }

    @Test
    void operandsPythonRefusesAreErrors() {
        // Each renders under Jinjava's own +, and each raises under Python Jinja2 3.1.6 (checked there).
        Map<String, String> cases = Map.of(
                "{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str",
                "{{ 'a' + none }}", "can only concatenate str (not \"NoneType\") to str",
                "{{ messages + 'x' }}", "can only concatenate list (not \"str\") to list",
                "{{ (1,) + [2] }}", "can only concatenate tuple (not \"list\") to tuple",
                "{{ {'a': 1} + {'b': 2} }}", "unsupported operand type(s) for +: 'dict' and 'dict'",
                "{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'",
                "{{ missing + 'a' }}", "undefined",
                "{{ ['a', 'b']|sum(start='') }}", "can't sum strings",
                "{{ messages[0].missing|tojson }}", "Undefined is not JSON serializable",
                "{{ 'x' in none }}", "argument of type 'NoneType' is not iterable");
        assertEachRefused(cases);
    }

    @Test
    void keywordsAStringMethodDoesNotTakeAreErrors() {
        String none = failure(() -> ChatTemplate.parse("{{ 'ab'.strip(chars='a') }}", "", "").render(HELLO, null, null));
        assertTrue(none.contains("strip() takes no keyword arguments"), none);
        String unknown = failure(() -> ChatTemplate.parse("{{ 'ab'.split(limit=1) }}", "", "").render(HELLO, null, null));
        assertTrue(unknown.contains("unexpected keyword argument 'limit'"), unknown);
    }

    @Test
    void rangesTheSandboxRefusesAreErrors() {
        // Jinja2's sandbox: MAX_RANGE 100000; Jinjava's own range stopped silently after 1000 items.
        Map<String, String> cases = Map.of(
                "{{ range(100001)|length }}", "Range too big",
                "{{ range(1.5) }}", "'float' object cannot be interpreted as an integer",
                "{{ range(1, 2, 0) }}", "range() arg 3 must not be zero");
        assertEachRefused(cases);
    }

    @Test
    void anOutputFarPastAnyPromptIsAnErrorNotAFullHeap() {
        String message = failure(() -> ChatTemplate.parse("{% for i in range(100000) %}{{ 'x' * 700 }}{% endfor %}", "", "")
                .render(HELLO, null, null));
        assertTrue(message.contains("over limit"), message);
    }

    @Test
    void formatStringsPythonRefusesAreErrors() {
        Map<String, String> cases = Map.of(
                "{{ '{:s}'.format(1) }}", "Unknown format code 's' for object of type 'int'",
                "{{ '{} {}'.format(1) }}", "Replacement index 1 out of range",
                "{{ '{'.format(1) }}", "Single '{' encountered",
                "{{ '{0} {}'.format(1, 2) }}", "cannot switch from manual field specification",
                "{{ '{} {0}'.format(1, 2) }}", "cannot switch from manual field specification",
                "{{ '{x}'.format(y=1) }}", "KeyError: 'x'");
        assertEachRefused(cases);
    }

    @Test
    void zeroToANegativePowerIsAnError() {
        String message = failure(() -> ChatTemplate.parse("{{ 0 ** -1 }}", "", "").render(HELLO, null, null));
        assertTrue(message.contains("negative power"), message);
    }

    @Test
    void aHugeIntegerPowerIsAnErrorNotAHang() {
        String message = failure(() -> ChatTemplate.parse("{{ 10 ** 100000000 }}", "", "").render(HELLO, null, null));
        assertTrue(message.contains("too large"), message);
    }

    @Test
    void unknownFilterIsAnError() {
        String message = failure(() -> ChatTemplate.parse("{{ messages|frobnicate }}", "", "").render(HELLO, null, null));
        assertTrue(message.contains("frobnicate"), message);
    }

    @Test
    void unknownStringMethodIsAnError() {
        String message = failure(() -> ChatTemplate.parse("{{ messages[0].content.frob() }}", "", "").render(HELLO, null, null));
        assertTrue(message.contains("frob"), message);
    }

    @Test
    void unknownRoleIsNamed() {
        String message = failure(() -> MessageNormalizer.messages(List.of(Map.of("role", "wizard", "content", "x"))));
        assertTrue(message.contains("wizard") && message.contains("message 0"), message);
    }

    @Test
    void invalidArgumentsJsonNamesTheCall() {
        Map<String, Object> call = Map.of("type", "function", "function", Map.of("name", "get_weather", "arguments", "{\"city\": "));
        String message = failure(() -> MessageNormalizer.messages(List.of(
                Map.of("role", "user", "content", "x"),
                Map.of("role", "assistant", "content", "", "tool_calls", List.of(call)))));
        assertTrue(message.contains("get_weather") && message.contains("message 1") && message.contains("not valid JSON"), message);
    }

    @Test
    void badToolDefinitionsAreNamed() {
        String message = failure(() -> MessageNormalizer.tools(List.of(Map.of("type", "function", "function", Map.of("description", "x")))));
        assertTrue(message.contains("tools[0]") && message.contains("name"), message);
        // A tool without parameters is fine.
        assertEquals(1, MessageNormalizer.tools(List.of(Map.of("type", "function", "function", Map.of("name", "now")))).size());
    }

    @Test
    void normalizerParsesArgumentsAndNullContent() {
        java.util.Map<String, Object> assistant = new java.util.HashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", null);
        assistant.put("tool_calls", List.of(Map.of("function", Map.of("name", "f", "arguments", "{\"a\": [1, 2.5]}"))));
        var out = MessageNormalizer.messages(List.of(assistant));
        assertEquals("", out.get(0).get("content"));
        @SuppressWarnings("unchecked")
        var fn = (Map<String, Object>) ((Map<String, Object>) ((List<?>) out.get(0).get("tool_calls")).get(0)).get("function");
        assertEquals(Map.of("a", List.of(1, 2.5)), fn.get("arguments"));
    }

    @Test
    void missingHuggingFaceFolderIsAnError() {
        String message = failure(() -> ChatTemplate.fromHuggingFace(java.nio.file.Path.of("/nonexistent-qwen4j-dir")));
        assertTrue(message.contains("tokenizer_config.json"), message);
    }
}
