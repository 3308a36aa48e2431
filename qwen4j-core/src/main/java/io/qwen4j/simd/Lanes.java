package io.qwen4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector operations whose results do not depend on whether the JIT has compiled the caller.
 *
 * <p>Two Vector API operations do: {@code reduceLanes(ADD)} leaves the order of its float additions to
 * the implementation (interpreted code adds lane by lane, C2 in a tree), and {@code lanewise(EXP)} runs
 * {@code Math.exp} per lane when interpreted but a vendor SIMD routine when compiled. Either made the same
 * logits give log-probabilities one ulp apart early and late in a run. Here the sum is a fixed tree of
 * lanewise adds and the exponential is a polynomial of adds and fused multiply-adds, which the
 * interpreter and C2 both round exactly as IEEE 754 says.
 */
public final class Lanes {

    private Lanes() {
    }

    /**
     * The sum of all lanes, halves first: ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)) for 8 lanes. Straight-line
     * code over constant shuffles on purpose: a loop over a shuffle table was not intrinsified (vectors
     * boxed, 70 % of a batched decode's time in this method).
     *
     * <p>The shape is told by the vector's class, and {@code v} cast to it, not by {@code v.length()}: C2 often
     * compiles this method on its own, where {@code v} is only an abstract {@code FloatVector}, and calls on it
     * were virtual unless a type profile guessed its class; without one every sum ran boxed (0.6B Q4_K_M, one
     * thread, {@code -XX:-UseTypeProfile}: 9 instead of 15 tok/s, most of it here). A cast to a constant class
     * gives C2 the exact type in every compile, as {@link NativeSegments} does for weights.
     */
    public static float sum(FloatVector v) {
        if (v.getClass() == EIGHT_LANES) {
            var e = EIGHT_LANES.cast(v);
            e = e.add(e.rearrange(SWAP4_OF_8));
            e = e.add(e.rearrange(SWAP2_OF_8));
            return e.add(e.rearrange(SWAP1_OF_8)).lane(0);
        }
        if (v.getClass() == SIXTEEN_LANES) {
            var e = SIXTEEN_LANES.cast(v);
            e = e.add(e.rearrange(SWAP8_OF_16));
            e = e.add(e.rearrange(SWAP4_OF_16));
            e = e.add(e.rearrange(SWAP2_OF_16));
            return e.add(e.rearrange(SWAP1_OF_16)).lane(0);
        }
        return sumInOrder(v.toArray(), 0, v.length());
    }

    /** The JDK's classes of 8- and 16-lane float vectors (package-private there, so taken from an instance). */
    private static final Class<? extends FloatVector> EIGHT_LANES = FloatVector.zero(FloatVector.SPECIES_256).getClass();
    private static final Class<? extends FloatVector> SIXTEEN_LANES = FloatVector.zero(FloatVector.SPECIES_512).getClass();

    /**
     * {@link #sum}'s value for 8 lanes stored in {@code lanes[at..at+7]}, the same bits, in scalar code. For
     * kernels that store their accumulators and sum them in a method C2 may inline into a big caller: vector
     * code there can pass C2's inlining budget and get boxed (a tile's six lane sums did, allocating
     * gigabytes in one {@code bench batch} run), scalar code cannot.
     */
    public static float sum(float[] lanes, int at) {
        return sum(lanes[at], lanes[at + 1], lanes[at + 2], lanes[at + 3], lanes[at + 4], lanes[at + 5], lanes[at + 6], lanes[at + 7]);
    }

    /**
     * {@code sum(a0.add(a1))} for two 8-lane accumulators stored one after the other in {@code lanes} from
     * {@code at}, the same bits, in scalar code (as {@link #sum(float[], int)}).
     */
    public static float sumOfTwo(float[] lanes, int at) {
        return sum(lanes[at] + lanes[at + 8], lanes[at + 1] + lanes[at + 9], lanes[at + 2] + lanes[at + 10],
                lanes[at + 3] + lanes[at + 11], lanes[at + 4] + lanes[at + 12], lanes[at + 5] + lanes[at + 13],
                lanes[at + 6] + lanes[at + 14], lanes[at + 7] + lanes[at + 15]);
    }

    /** {@link #sum}'s tree over 8 lanes given one by one. */
    public static float sum(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }

    /** The same tree for any power-of-two lane count, on an array (species other than 8 or 16 lanes). */
    private static float sumInOrder(float[] lanes, int from, int count) {
        if (count == 1) {
            return lanes[from];
        }
        int half = count / 2;
        // lanes i and i + half first, recursively: the same pairing as the shuffles above
        float[] folded = new float[half];
        for (int i = 0; i < half; i++) {
            folded[i] = lanes[from + i] + lanes[from + half + i];
        }
        return sumInOrder(folded, 0, half);
    }

    private static final VectorShuffle<Float> SWAP4_OF_8 = swap(Species.FLOATS, 4);
    private static final VectorShuffle<Float> SWAP2_OF_8 = swap(Species.FLOATS, 2);
    private static final VectorShuffle<Float> SWAP1_OF_8 = swap(Species.FLOATS, 1);
    private static final VectorShuffle<Float> SWAP8_OF_16 = swap(FloatVector.SPECIES_512, 8);
    private static final VectorShuffle<Float> SWAP4_OF_16 = swap(FloatVector.SPECIES_512, 4);
    private static final VectorShuffle<Float> SWAP2_OF_16 = swap(FloatVector.SPECIES_512, 2);
    private static final VectorShuffle<Float> SWAP1_OF_16 = swap(FloatVector.SPECIES_512, 1);

    /** The shuffle exchanging lane {@code i} with lane {@code i ^ stride}. */
    private static VectorShuffle<Float> swap(VectorSpecies<Float> species, int stride) {
        return VectorShuffle.fromOp(species, i -> i ^ stride);
    }

    // Cephes' expf: e^x = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2)/2, e^r by a degree-7
    // polynomial; ln 2 is split in two parts so that r = x - n ln 2 is computed almost exactly.
    private static final float LOG2_E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, to nearest even. */
    private static final float ROUNDER = 12582912f;
    /** Beyond these e^x is not a normal float: the result is +infinity or 0. */
    private static final float MAX_INPUT = 88.7f;
    private static final float MIN_INPUT = -87.3f;

    /**
     * {@code e^x} per lane of an 8-lane ({@link Species#FLOATS}) vector, within 2 ulp of the exact value for
     * normal results; +infinity above 88.7, 0 below -87.3 (including -infinity, as a softmax over masked
     * positions needs), NaN for NaN.
     *
     * <p>{@code x} is never the receiver of a vector operation, only an argument to one whose receiver is built
     * from the constant species: C2 often leaves this method out of line in its callers ("too big"), and then
     * knows {@code x} only as the abstract {@code FloatVector}; as a receiver, every operation on it was a
     * virtual call unless a type profile guessed the class, and without one the whole method ran boxed
     * ({@code -XX:-UseTypeProfile}: the 0.6B model decoded at 16 instead of 24 tok/s, most of the time here).
     */
    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> species = Species.FLOATS;
        var max = FloatVector.broadcast(species, MAX_INPUT);
        var min = FloatVector.broadcast(species, MIN_INPUT);
        VectorMask<Float> overflow = max.compare(VectorOperators.LT, x);
        VectorMask<Float> underflow = min.compare(VectorOperators.GT, x);
        // max and min are symmetric in their operands (NaN wins, +0 beats -0): the same lanes as x.max(..).min(..)
        var clamped = min.max(x).min(max);
        var shifted = clamped.fma(FloatVector.broadcast(species, LOG2_E), FloatVector.broadcast(species, ROUNDER));
        var n = shifted.sub(ROUNDER);
        var r = n.fma(FloatVector.broadcast(species, -LN2_HIGH), clamped);
        r = n.fma(FloatVector.broadcast(species, -LN2_LOW), r);
        var p = FloatVector.broadcast(species, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(species, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(species, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(species, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(species, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(species, 5.0000001201e-1f));
        var y = p.fma(r.mul(r), r).add(1f);
        // 2^n by adding n to the exponent field: the integer n sits in the low bits of `shifted`
        IntVector exponent = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER)).lanewise(VectorOperators.LSHL, 23);
        var result = y.reinterpretAsInts().add(exponent).reinterpretAsFloats();
        return result.blend(Float.POSITIVE_INFINITY, overflow).blend(0f, underflow);
    }

    /**
     * {@link #exp(FloatVector)} of one float, with the same operations in the same order, so the same bits
     * as a lane of it (tested on every kind of input). For scalar twins of vector kernels ({@link ColdStart}).
     */
    public static float exp(float x) {
        float clamped = Math.min(Math.max(x, MIN_INPUT), MAX_INPUT);
        float shifted = Math.fma(clamped, LOG2_E, ROUNDER);
        float n = shifted - ROUNDER;
        float r = Math.fma(n, -LN2_HIGH, clamped);
        r = Math.fma(n, -LN2_LOW, r);
        float p = 1.9875691500e-4f;
        p = Math.fma(p, r, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float y = Math.fma(p, r * r, r) + 1f;
        int exponent = (Float.floatToRawIntBits(shifted) - Float.floatToRawIntBits(ROUNDER)) << 23;
        float result = Float.intBitsToFloat(Float.floatToRawIntBits(y) + exponent);
        return x > MAX_INPUT ? Float.POSITIVE_INFINITY : x < MIN_INPUT ? 0f : result;
    }
}
