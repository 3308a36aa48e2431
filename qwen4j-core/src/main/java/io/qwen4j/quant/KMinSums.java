package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The mins' part of the dots of the scale-and-min K-quants, Q4_K and Q5_K, whose kernels factor it out: per 32-weight
 * sub-block {@code j}, {@code sum(w x) = sum(d scale_j q x) - dmin min_j * sum(x)}. A kernel sums the scaled levels
 * times x, then continues the same accumulation with the mins {@code -(dmin min_j)} times x's sub-block sums, 16 at a
 * time ({@link #wide}), and adds the last {@code subs % 16} in scalar code ({@link #tail}): {@link FloatDots}' order
 * over the row extended by its mins.
 */
final class KMinSums {

    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;

    private KMinSums() {
    }

    /**
     * Per 32-weight sub-block of {@code x}: the sum of its elements (four 8-lane vectors added from zero
     * in element order, then {@link Lanes#sum}), into {@code sums} from {@code sumsOffset}. They depend on x alone,
     * so a matmul computes them once for all rows.
     */
    static void subBlockSums(float[] x, int xOffset, int count, float[] sums, int sumsOffset) {
        for (int k = 0, s = sumsOffset; k < count; k += 32, s++) {
            var sum = FloatVector.zero(F);
            for (int l = 0; l < 32; l += 8) {
                sum = FloatVector.fromArray(F, x, xOffset + k + l).add(sum);
            }
            sums[s] = Lanes.sum(sum);
        }
    }

    /** {@code acc} plus the mins ({@code mins[minsAt + i]}) times the x sums ({@code sums[sumsAt + i]}) in whole 16-lane chunks. */
    static FloatVector wide(FloatVector acc, float[] mins, int minsAt, float[] sums, int sumsAt, int subs) {
        for (int i = 0; i + 16 <= subs; i += 16) {
            acc = FloatVector.fromArray(WIDE, mins, minsAt + i).fma(FloatVector.fromArray(WIDE, sums, sumsAt + i), acc);
        }
        return acc;
    }

    /** {@code sum} plus the mins times the x sums that {@link #wide}'s 16-lane chunks left, in scalar code. */
    static float tail(float sum, float[] mins, int minsAt, float[] sums, int sumsAt, int subs) {
        for (int i = subs - subs % 16; i < subs; i++) {
            sum += mins[minsAt + i] * sums[sumsAt + i];
        }
        return sum;
    }
}
