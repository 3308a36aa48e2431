package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code bench matmul}: the report's shape (512 rows: enough bytes that 2 threads split the matrix) and argument checks; figures are not asserted (timing). */
class BenchMatmulCommandTest {

    @Test
    void reportsEveryTypeAndBatchAsARatioToBatchOne() throws Exception {
        CliRun r = CliRun.run("", "bench", "matmul", "--types", "q8_0,F16", "--rows", "512", "--cols", "256",
                "--batch", "1,4", "--seconds", "0.2", "-t", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode top = new ObjectMapper().readTree(r.out());
        assertEquals(512, top.get("rows").intValue());
        assertEquals(256, top.get("cols").intValue());
        assertEquals(2, top.get("threads").intValue());
        JsonNode results = top.get("results");
        assertEquals(4, results.size());
        String[] expected = {"Q8_0/1", "Q8_0/4", "F16/1", "F16/4"};
        for (int i = 0; i < 4; i++) {
            JsonNode e = results.get(i);
            assertEquals(expected[i], e.get("type").asText() + "/" + e.get("batch").intValue());
            assertTrue(e.get("gflops").doubleValue() > 0, e.toString());
        }
        assertEquals(1.0, results.get(0).get("vs_batch1").doubleValue());
        // the ratio is computed before rounding: allow for the printed GFLOP/s' 4 decimals (0.5e-4 each)
        double g1 = results.get(0).get("gflops").doubleValue();
        double g4 = results.get(1).get("gflops").doubleValue();
        double ratio = g4 / g1;
        double slack = ratio * (0.5e-4 / g1 + 0.5e-4 / g4) + 0.001;
        assertEquals(ratio, results.get(1).get("vs_batch1").doubleValue(), slack);
    }

    @Test
    void badArgumentsNameTheValue() {
        CliRun type = CliRun.run("", "bench", "matmul", "--types", "Q9_9");
        assertEquals(2, type.status(), type.err());
        assertTrue(type.err().contains("Q9_9"), type.err());
        CliRun cols = CliRun.run("", "bench", "matmul", "--types", "Q4_K", "--cols", "100");
        assertEquals(2, cols.status(), cols.err());
        assertTrue(cols.err().contains("100"), cols.err());
        CliRun batch = CliRun.run("", "bench", "matmul", "--batch", "0");
        assertEquals(2, batch.status(), batch.err());
        assertTrue(batch.err().contains("0"), batch.err());
    }
}
