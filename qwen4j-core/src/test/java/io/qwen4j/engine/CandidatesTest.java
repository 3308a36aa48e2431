package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CandidatesTest {

    /** The obvious definition: ids ordered by logit descending, ties by ascending id, first k. */
    private static int[] expectedTop(float[] logits, int k) {
        return IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static float[] randomLogits(Random random, int n) {
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            // few distinct values, so ties are everywhere; some -infinity (masked tokens) and negative zero
            logits[i] = switch (random.nextInt(10)) {
                case 0 -> Float.NEGATIVE_INFINITY;
                case 1 -> -0.0f;
                default -> (random.nextInt(41) - 20) / 4f;
            };
        }
        return logits;
    }

    @Test
    void heapSelectedTopKEqualsTheFullOrdering() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(3000);
            int k = 1 + random.nextInt(Math.min(n, 60));
            float[] logits = randomLogits(random, n);
            Candidates c = new Candidates(n);
            c.reset(logits, 0);
            c.keepTop(k);
            assertEquals(k, c.size);
            assertArrayEquals(expectedTop(logits, k), Arrays.copyOf(c.ids, k), "n=" + n + " k=" + k);
        }
    }

    @Test
    void sortOrdersEveryCandidate() {
        float[] logits = randomLogits(new Random(3), 500);
        Candidates c = new Candidates(logits.length);
        c.reset(logits, 0);
        c.sort();
        assertArrayEquals(expectedTop(logits, logits.length), c.ids);
    }

    @Test
    void keepTopAfterSortTruncatesTheSortedOrder() {
        float[] logits = randomLogits(new Random(5), 400);
        Candidates c = new Candidates(logits.length);
        c.reset(logits, 0);
        c.sort();
        c.keepTop(10);
        assertArrayEquals(expectedTop(logits, 10), Arrays.copyOf(c.ids, 10));
        assertEquals(10, c.size);
    }
}
