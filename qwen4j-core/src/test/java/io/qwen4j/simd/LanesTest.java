package io.qwen4j.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class LanesTest {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    /** Distance in units of the last place of the float nearest to {@code exact}. */
    private static double ulps(float actual, double exact) {
        float nearest = (float) exact;
        return Math.abs(actual - exact) / Math.ulp(nearest);
    }

    @Test
    void expIsWithinTwoUlpOfTheExactValueOverTheNormalRange() {
        Random random = new Random(11);
        float[] x = new float[8];
        float[] y = new float[8];
        double worst = 0;
        for (int trial = 0; trial < 40_000; trial++) {
            for (int i = 0; i < 8; i++) {
                // half the inputs uniform over the whole range, half near zero where softmax terms live
                x[i] = trial % 2 == 0 ? -87.3f + random.nextFloat() * 176f : (random.nextFloat() - 0.5f) * 8f;
            }
            Lanes.exp(FloatVector.fromArray(F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < 8; i++) {
                worst = Math.max(worst, ulps(y[i], StrictMath.exp(x[i])));
            }
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    @Test
    void expEdgesGiveZeroInfinityAndExactOne() {
        float[] x = {Float.NEGATIVE_INFINITY, -1000f, -87.31f, 0f, -0f, 88.71f, 1000f, Float.POSITIVE_INFINITY};
        float[] y = new float[8];
        Lanes.exp(FloatVector.fromArray(F, x, 0)).intoArray(y, 0);
        assertEquals(0f, y[0]);
        assertEquals(0f, y[1]);
        assertEquals(0f, y[2]);
        assertEquals(1f, y[3]);
        assertEquals(1f, y[4]);
        assertEquals(Float.POSITIVE_INFINITY, y[5]);
        assertEquals(Float.POSITIVE_INFINITY, y[6]);
        assertEquals(Float.POSITIVE_INFINITY, y[7]);
        float[] nan = {Float.NaN, 0, 0, 0, 0, 0, 0, 0};
        Lanes.exp(FloatVector.fromArray(F, nan, 0)).intoArray(y, 0);
        assertTrue(Float.isNaN(y[0]));
    }

    @Test
    void scalarExpGivesEachLanesBits() {
        Random random = new Random(5);
        float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, 88.7f, Math.nextUp(88.7f), Math.nextDown(88.7f), -87.3f,
                Math.nextUp(-87.3f), Math.nextDown(-87.3f), 1e-8f, -1e-8f, 0.5f, -0.5f, 1000f, -1000f,
                Float.MAX_VALUE, -Float.MAX_VALUE, 0.34657359f, -0.34657359f};
        float[] x = new float[8];
        float[] y = new float[8];
        for (int trial = 0; trial < 60_000; trial++) {
            for (int i = 0; i < 8; i++) {
                x[i] = switch (trial % 3) {
                    case 0 -> specials[random.nextInt(specials.length)];
                    case 1 -> -100f + random.nextFloat() * 200f;
                    default -> Float.intBitsToFloat(random.nextInt());
                };
            }
            Lanes.exp(FloatVector.fromArray(F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < 8; i++) {
                assertEquals(Float.floatToIntBits(y[i]), Float.floatToIntBits(Lanes.exp(x[i])), "exp(" + x[i] + ")");
            }
        }
    }

    @Test
    void sumAddsHalvesFirstInOneFixedOrder() {
        // magnitudes chosen so that every other order of the additions rounds differently
        float[] v = {1e8f, 3f, -1e8f, 5f, 7f, 1e-3f, 2f, -7f};
        float expected = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
        assertEquals(expected, Lanes.sum(FloatVector.fromArray(F, v, 0)));
        float sequential = 0;
        for (float f : v) {
            sequential += f;
        }
        assertTrue(expected != sequential, "the example must tell the orders apart");
    }

    @Test
    void storedLaneSumsAreTheVectorSumBitForBit() {
        float[] v = {1e8f, 3f, -1e8f, 5f, 7f, 1e-3f, 2f, -7f};
        float expected = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Lanes.sum(v, 0)));
        Random random = new Random(31);
        float[] lanes = new float[11];
        for (int round = 0; round < 1000; round++) {
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
            }
            float vector = Lanes.sum(FloatVector.fromArray(F, lanes, 3));
            assertEquals(Float.floatToRawIntBits(vector), Float.floatToRawIntBits(Lanes.sum(lanes, 3)), "round " + round);
            assertEquals(Float.floatToRawIntBits(vector), Float.floatToRawIntBits(Lanes.sum(lanes[3], lanes[4], lanes[5],
                    lanes[6], lanes[7], lanes[8], lanes[9], lanes[10])), "round " + round);
        }
    }

    @Test
    void sumOverThePreferredSpeciesEqualsThePlainSumOfSmallIntegers() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        float[] v = new float[preferred.length()];
        float plain = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 3 - 7;
            plain += v[i];
        }
        assertEquals(plain, Lanes.sum(FloatVector.fromArray(preferred, v, 0)));
    }

    /** The halves-first tree written out: lane i plus lane i + n/2, then the same over the halves. */
    private static float halvesFirst(float[] v, int from, int n) {
        if (n == 1) {
            return v[from];
        }
        float[] folded = new float[n / 2];
        for (int i = 0; i < n / 2; i++) {
            folded[i] = v[from + i] + v[from + n / 2 + i];
        }
        return halvesFirst(folded, 0, n / 2);
    }

    @Test
    void everyShapeIsSummedHalvesFirst() {
        // 4, 8 and 16 lanes: the 8- and 16-lane shapes take the shuffle code (chosen by the vector's class), 4 lanes the array
        Random random = new Random(5);
        for (VectorSpecies<Float> species : java.util.List.of(FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512)) {
            float[] v = new float[species.length()];
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
                }
                assertEquals(Float.floatToRawIntBits(halvesFirst(v, 0, v.length)),
                        Float.floatToRawIntBits(Lanes.sum(FloatVector.fromArray(species, v, 0))),
                        species + " round " + round);
            }
        }
    }
}
