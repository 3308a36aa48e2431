package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code bench batch} argument checks (the benchmark itself is not a test: it needs minutes of a real model). */
class BenchBatchCommandTest {

    @Test
    void badCountsAreRejectedBeforeLoadingAModel() {
        CliRun r = CliRun.run("", "bench", "batch", "-n", "1");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("-n must be >= 2"), r.err());
        CliRun zero = CliRun.run("", "bench", "batch", "--streams", "1,0");
        assertEquals(2, zero.status(), zero.err());
        assertTrue(r.out().isEmpty(), "nothing was loaded or printed: " + r.out());
    }

    @Test
    void isListedUnderBench() {
        CliRun r = CliRun.run("", "bench", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("batch"), r.out());
    }
}
