package io.qwen4j.quant;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScratchTest {

    @Test
    void aSlotIsReusedAndGrows() {
        float[] first = Scratch.floats(Scratch.Slot.ROW_SIDE, 100);
        assertTrue(first.length >= 100);
        assertSame(first, Scratch.floats(Scratch.Slot.ROW_SIDE, 50));
        float[] bigger = Scratch.floats(Scratch.Slot.ROW_SIDE, first.length + 1);
        assertTrue(bigger.length > first.length);
        assertSame(bigger, Scratch.floats(Scratch.Slot.ROW_SIDE, 10));
    }

    @Test
    void slotsDoNotAlias() {
        assertNotSame(Scratch.floats(Scratch.Slot.ROW, 64), Scratch.floats(Scratch.Slot.ROW_SIDE, 64));
        assertNotSame(Scratch.floats(Scratch.Slot.SECOND_ROW, 64), Scratch.floats(Scratch.Slot.ACTIVATION_SUMS, 64));
    }

    @Test
    void hugeRequestsAreNotKept() {
        int huge = Scratch.MAX_KEPT + 1;
        float[] a = Scratch.floats(Scratch.Slot.ROW_SIDE, huge);
        float[] b = Scratch.floats(Scratch.Slot.ROW_SIDE, huge);
        assertTrue(a.length >= huge);
        assertNotSame(a, b);
        assertTrue(Scratch.floats(Scratch.Slot.ROW_SIDE, 16).length <= Scratch.MAX_KEPT);
    }

    @Test
    void eachThreadHasItsOwnBuffers() throws Exception {
        float[] mine = Scratch.floats(Scratch.Slot.ROW, 32);
        float[][] theirs = new float[1][];
        Thread other = new Thread(() -> theirs[0] = Scratch.floats(Scratch.Slot.ROW, 32));
        other.start();
        other.join();
        assertNotSame(mine, theirs[0]);
    }

    @Test
    void rowsAreSeparateArraysReusedAndGrown() {
        float[][] rows = Scratch.rows(3, 40);
        assertTrue(rows.length >= 3);
        for (int i = 0; i < 3; i++) {
            assertTrue(rows[i].length >= 40);
            for (int j = 0; j < i; j++) {
                assertNotSame(rows[i], rows[j]);
            }
        }
        float[] first = rows[0];
        assertSame(first, Scratch.rows(2, 10)[0]);
        float[][] longer = Scratch.rows(5, 80);
        for (int i = 0; i < 5; i++) {
            assertTrue(longer[i].length >= 80);
        }
    }

    @Test
    void hugeRowRequestsAreNotKept() {
        float[][] huge = Scratch.rows(2, Scratch.MAX_KEPT);
        assertTrue(huge[0].length >= Scratch.MAX_KEPT);
        assertNotSame(huge, Scratch.rows(2, Scratch.MAX_KEPT));
        assertTrue(Scratch.rows(1, 16)[0].length < Scratch.MAX_KEPT);
    }
}
