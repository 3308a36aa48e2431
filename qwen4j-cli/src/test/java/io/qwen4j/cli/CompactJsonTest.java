package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link CompactJson} against Jackson's default ObjectMapper, the writer it replaces, on the same values. */
class CompactJsonTest {

    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void writesGenerateLikeResultsAsJacksonDoes() throws Exception {
        var random = new Random(42);
        float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, Float.MIN_VALUE,
                Float.MAX_VALUE, 1e-5f, 1e7f, 123456789f};
        for (int round = 0; round < 200; round++) {
            List<Map<String, Object>> steps = new ArrayList<>();
            for (int s = 0; s < 5; s++) {
                float logprob = round % 4 == 0 ? specials[random.nextInt(specials.length)]
                        : (float) (-20 * random.nextDouble());
                List<List<Object>> top = new ArrayList<>();
                for (int k = 0; k < random.nextInt(3); k++) {
                    top.add(List.of(random.nextInt(151_936), Float.intBitsToFloat(random.nextInt())));
                }
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("token", random.nextInt(151_936));
                step.put("logprob", logprob);
                step.put("top", top);
                steps.add(step);
            }
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("load_ms", Math.round(random.nextDouble() * 1e6) / 100.0);
            timings.put("odd", Double.longBitsToDouble(random.nextLong()));
            timings.put("inf", round % 3 == 0 ? Double.NEGATIVE_INFINITY : 1e21);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("prompt", random.ints(random.nextInt(4), 0, 1000).toArray());
            result.put("tokens", List.of(1, 2, 3));
            result.put("steps", steps);
            result.put("finish_reason", "length");
            result.put("flag", round % 2 == 0);
            result.put("nothing", null);
            result.put("count", random.nextLong());
            result.put("timings", timings);
            assertEquals(JACKSON.writeValueAsString(result), CompactJson.write(result));
        }
    }

    @Test
    void escapesStringsAsJacksonDoes() throws Exception {
        String text = "quote \" backslash \\ newline \n tab \t cr \r bell \u0007 unit \u001f del \u007f é 日本 😀 </>";
        assertEquals(JACKSON.writeValueAsString(Map.of(text, text)), CompactJson.write(Map.of(text, text)));
    }

    @Test
    void rejectsValuesWithoutAJsonForm() {
        assertThrows(IllegalArgumentException.class, () -> CompactJson.write(List.of(new Object())));
    }
}
