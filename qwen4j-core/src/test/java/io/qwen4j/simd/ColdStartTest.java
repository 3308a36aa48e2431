package io.qwen4j.simd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ColdStartTest {

    @Test
    void scalarUntilTheBudgetIsSpentThenVector() {
        ColdStart cold = new ColdStart(100);
        assertTrue(cold.scalar(60));
        assertTrue(cold.scalar(60), "40 elements were left: this call still runs scalar, whatever its size");
        assertFalse(cold.scalar(1));
        assertFalse(cold.scalar(1000));
    }

    @Test
    void aZeroBudgetNeverRunsScalar() {
        assertFalse(new ColdStart(0).scalar(1));
    }
}
