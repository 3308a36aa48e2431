package io.qwen4j.chat.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The schema grammar at the byte level, against Jackson (syntax) and {@link SchemaOracle} (schema). */
class JsonGrammarTest {
    private static final JsonLimits SMALL = new JsonLimits(24, 6, 3, 1);
    private static final JsonFactory FACTORY = new JsonFactory();

    private static MatchState start(String schema, JsonLimits limits, TextGuard guard) {
        return JsonGrammar.value(SchemaCompiler.compile(TestSchemas.parse(schema)), MatchState.END,
                new JsonContext(limits, guard), 0);
    }

    private static boolean matches(String schema, String text) {
        MatchState end = MatchState.walk(start(schema, JsonLimits.DEFAULTS, TextGuard.NONE), text.getBytes(StandardCharsets.UTF_8));
        return end != null && end.canEnd();
    }

    @Test
    void acceptsValidArguments() {
        String[][] cases = {
            {TestSchemas.WEATHER, "{\"city\": \"Paris\"}"},
            {TestSchemas.WEATHER, "{\"unit\": \"celsius\", \"city\": \"東京 ☃ 😀\", \"days\": -12}"},
            {TestSchemas.WEATHER, "{\n\"city\":\"a\\\"b\\\\c\\u00e9\\n\"\n}"},
            {TestSchemas.NESTED, "{\"user\": {\"name\": \"x\", \"age\": 0, \"tags\": [\"a\", \"b\", \"c\"]}, \"active\": false, \"score\": -1.5e-3}"},
            {TestSchemas.INTEGERS, "{\"values\": [1, -2, 30]}"},
            {TestSchemas.UNIONS, "{\"mode\": \"fast\", \"target\": 2.5, \"limit\": null, \"extra\": [{\"k\": [true, null]}]}"},
            {TestSchemas.UNIONS, "{\"target\": \"t\", \"mode\": \"fast\", \"limit\": 7}"},
            {TestSchemas.REFERENCES, "{\"point\": {\"y\": 1, \"x\": 2.25}}"},
            {TestSchemas.OPEN, "{\"a\": \"s\", \"anything\": 5}"},
            {TestSchemas.EMPTY, "{\"k\": {\"n\": [1, \"two\", false]}}"},
            {TestSchemas.EMPTY, "{}"},
        };
        for (String[] c : cases) {
            assertTrue(matches(c[0], c[1]), c[1]);
            assertTrue(SchemaOracle.errors(TestSchemas.parse(c[0]), TestSchemas.parse(c[1]), true).isEmpty(), "oracle " + c[1]);
        }
    }

    @Test
    void refusesInvalidArguments() {
        String[][] cases = {
            {TestSchemas.WEATHER, "{}"}, // missing required
            {TestSchemas.WEATHER, "{\"city\": 5}"}, // wrong type
            {TestSchemas.WEATHER, "{\"city\": \"a\", \"city\": \"b\"}"}, // repeated key
            {TestSchemas.WEATHER, "{\"city\": \"a\", \"country\": \"b\"}"}, // undeclared key
            {TestSchemas.WEATHER, "{\"city\": \"a\", \"unit\": \"kelvin\"}"}, // not in enum
            {TestSchemas.WEATHER, "{\"city\": \"a\", \"days\": 1.5}"}, // not an integer
            {TestSchemas.WEATHER, "{\"city\": \"a\", \"days\": 01}"}, // leading zero
            {TestSchemas.WEATHER, "{\"city\":  \"a\"}"}, // two spaces
            {TestSchemas.WEATHER, "{\"city\": \"a\tb\"}"}, // raw control character
            {TestSchemas.WEATHER, "{\"city\": \"\\x\"}"}, // bad escape
            {TestSchemas.WEATHER, "{\"city\": \"\\ud800\"}"}, // lone surrogate escape
            {TestSchemas.WEATHER, "{\"city\": \"a\"},"}, // trailing garbage
            {TestSchemas.NESTED, "{\"user\": {\"name\": \"x\"}, \"active\": true}"}, // nested required
            {TestSchemas.NESTED, "{\"user\": {\"name\": \"x\", \"age\": 1, \"tags\": [\"a\", \"b\", \"c\", \"d\"]}, \"active\": true}"},
            {TestSchemas.INTEGERS, "{\"values\": []}"}, // minItems
            {TestSchemas.INTEGERS, "{\"values\": [1,]}"},
            {TestSchemas.UNIONS, "{\"mode\": \"slow\", \"target\": 1}"},
            {TestSchemas.UNIONS, "{\"mode\": \"fast\", \"target\": true}"},
            {TestSchemas.REFERENCES, "{\"point\": {\"x\": 1}}"},
            {TestSchemas.OPEN, "{\"other\": \"s\"}"},
        };
        for (String[] c : cases) {
            assertFalse(matches(c[0], c[1]), c[1]);
        }
        byte[] brokenUtf8 = {'{', '"', 'c', 'i', 't', 'y', '"', ':', ' ', '"', (byte) 0xC3, '"', '}'};
        assertEquals(null, MatchState.walk(start(TestSchemas.WEATHER, JsonLimits.DEFAULTS, TextGuard.NONE), brokenUtf8));
    }

    @Test
    void stringsStopAtTheLengthCapAndNeverSpellAGuardedTag() {
        var guard = new TextGuard(List.of("</tool_call>"));
        MatchState inString = MatchState.walk(start(TestSchemas.WEATHER, SMALL, guard), bytes("{\"city\": \""));
        assertNotNull(MatchState.walk(inString, bytes("x".repeat(24) + "\"}")));
        assertEquals(null, MatchState.walk(inString, bytes("x".repeat(25))));
        assertEquals(null, MatchState.walk(inString, bytes("a</tool_call>")));
        assertNotNull(MatchState.walk(inString, bytes("<\\/tool_call></tool_cal")));
    }

    /**
     * Random byte walks through each schema's grammar: every prefix stays valid JSON so far for Jackson's
     * incremental parser, and every completed text parses and satisfies the schema per the oracle.
     */
    @Test
    void randomWalksStayValidPrefixesAndEndValid() throws IOException {
        Random random = new Random(2024);
        int completed = 0;
        for (String schema : TestSchemas.ALL) {
            for (int run = 0; run < 60; run++) {
                MatchState state = start(schema, SMALL, TextGuard.NONE);
                var text = new java.io.ByteArrayOutputStream();
                for (int step = 0; step < 2000; step++) {
                    if (state.canEnd() && random.nextInt(4) == 0) {
                        break;
                    }
                    List<Integer> allowed = new ArrayList<>();
                    for (int b = 0; b < 256; b++) {
                        if (state.step(b) != null) {
                            allowed.add(b);
                        }
                    }
                    if (allowed.isEmpty()) {
                        break;
                    }
                    // Prefer ASCII half the time, so walks also close strings and containers.
                    List<Integer> ascii = allowed.stream().filter(b -> b < 0x80 && (b < 'a' || b > 'z')).toList();
                    List<Integer> pool = !ascii.isEmpty() && random.nextBoolean() ? ascii : allowed;
                    int b = pool.get(random.nextInt(pool.size()));
                    state = state.step(b);
                    text.write(b);
                    assertValidPrefix(text.toByteArray());
                }
                if (state.canEnd()) {
                    String json = text.toString(StandardCharsets.UTF_8);
                    var value = TestSchemas.parse(json);
                    assertEquals(List.of(), SchemaOracle.errors(TestSchemas.parse(schema), value, true), json);
                    completed++;
                }
            }
        }
        assertTrue(completed > 300, "only " + completed + " walks completed");
    }

    static void assertValidPrefix(byte[] prefix) throws IOException {
        try (JsonParser parser = FACTORY.createNonBlockingByteArrayParser()) {
            ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(prefix, 0, prefix.length);
            JsonToken token;
            do {
                token = parser.nextToken();
            } while (token != null && token != JsonToken.NOT_AVAILABLE);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("not a valid JSON prefix: " + new String(prefix, StandardCharsets.UTF_8), e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
