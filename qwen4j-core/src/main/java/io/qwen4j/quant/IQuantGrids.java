package io.qwen4j.quant;

import io.qwen4j.simd.Species;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The grids of the i-quant formats (IQ1_S/M, IQ2_XXS/XS/S, IQ3_XXS/S) and the few vector steps their decoders share.
 *
 * <p>These formats store a group of 8 (or 4) weights as an index into a fixed set of points that ggml defines. The
 * points are data of the format, not something to derive: {@code iq-grids.txt} holds them as llama.cpp's own library
 * dequantizes them ({@code scripts/gen-iq-data.py grids}). They are kept here as floats, 8 (or 4) per entry, so a
 * decoder loads an entry as one vector: the values are small integers, exact in float.
 */
final class IQuantGrids {

    /** Every grid of the resource by name (read first: the fields below take theirs from it). */
    private static final Map<String, float[]> TABLES = readAll();
    static final float[] IQ2XXS = load("iq2xxs_grid", 256, 8);
    static final float[] IQ2XS = load("iq2xs_grid", 512, 8);
    static final float[] IQ2S = load("iq2s_grid", 1024, 8);
    static final float[] IQ3XXS = load("iq3xxs_grid", 256, 4);
    static final float[] IQ3S = load("iq3s_grid", 512, 4);
    static final float[] IQ1S = load("iq1s_grid", 2048, 8);
    /**
     * {@link #IQ3XXS} spread to 8 lanes, an entry's 4 values in lanes 0-3 ({@code _LOW}) or 4-7 ({@code _HIGH}) and
     * zeros in the others: the sum of a low and a high entry is the 8 weights of two indices, exactly (the points
     * are positive, and {@code g + 0} is {@code g}), so a fused kernel works on 8 lanes as for the 8-wide grids.
     */
    static final float[] IQ3XXS_LOW = spread(IQ3XXS, 0);
    static final float[] IQ3XXS_HIGH = spread(IQ3XXS, 4);
    /**
     * {@link #IQ3S} spread as {@link #IQ3XXS_LOW}, lanes 0-3 only: its high entries are these with the halves swapped
     * ({@link #lowPairSignedTimesAt}), since two 16 KB tables and the 8 KB sign table would not fit a 32 KB L1 cache
     * together (the speed measured the same either way; the smaller footprint kept).
     */
    static final float[] IQ3S_LOW = spread(IQ3S, 0);
    /** IQ1_S and IQ1_M shift every point by this, up or down per group ({@code IQ1S_DELTA}). */
    static final float IQ1_DELTA = 0.125f;
    /**
     * The shift by its sign bit: looked up rather than chosen by a branch, which random sign bits mispredict half the
     * time (IQ1_M, a sign per 8 weights).
     */
    private static final float[] IQ1_DELTAS = {IQ1_DELTA, -IQ1_DELTA};

    /**
     * ggml's {@code ksigns_iq2xs}: 7 stored sign bits, the eighth set so that the count of minus signs is even (the
     * encoders flip signs in pairs), so 7 bits carry 8 signs.
     */
    static final int[] KSIGNS = new int[128];
    /** For each byte of sign bits, 8 int lanes: bit {@code j} set gives lane {@code j} the float sign bit. */
    static final int[] SIGN_BITS = new int[256 * 8];
    /** {@link #SIGN_BITS} of {@code KSIGNS[code]} for each 7-bit sign code: one lookup fewer per 8 weights. */
    static final int[] CODE_SIGN_BITS = new int[128 * 8];

    private static final VectorSpecies<Float> F8 = Species.FLOATS;
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromValues(F8, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorSpecies<Integer> I8 = Species.INTS;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;

    static {
        for (int i = 0; i < 128; i++) {
            KSIGNS[i] = i | (Integer.bitCount(i) % 2 == 1 ? 0x80 : 0);
        }
        for (int b = 0; b < 256; b++) {
            for (int j = 0; j < 8; j++) {
                SIGN_BITS[8 * b + j] = (b >> j & 1) != 0 ? 0x8000_0000 : 0;
            }
        }
        for (int code = 0; code < 128; code++) {
            System.arraycopy(SIGN_BITS, 8 * KSIGNS[code], CODE_SIGN_BITS, 8 * code, 8);
        }
    }

    private IQuantGrids() {
    }

    /** The IQ2 formats' scale from a 4-bit field {@code s}: {@code d (0.5 + s) / 4}, in the C's order. */
    static float iq2Scale(float d, int s) {
        return d * (0.5f + s) * 0.25f;
    }

    /**
     * 8 weights at {@code dst[at]}: grid entry {@code entry}, lane {@code j} negated where bit {@code j} of
     * {@code signs} is set, times {@code scale}. The scalar decoders multiply first and negate after; rounding to
     * nearest is symmetric, so {@code (-g) * s} is {@code -(g * s)} bit for bit.
     */
    static void signed8(float[] grid, int entry, int signs, float scale, float[] dst, int at) {
        signed(FloatVector.fromArray(F8, grid, 8 * entry), SIGN_BITS, 8 * signs, scale).intoArray(dst, at);
    }

    /**
     * The 8 grid points {@code points}, lane {@code j} negated where lane {@code j} of {@code signs[signsAt ...]} holds
     * the float sign bit, times {@code scale}: the weights every signed grid format decodes to, decoded ahead
     * ({@link #signed8}) or in a fused kernel ({@link #signedTimesAt}) alike.
     */
    private static FloatVector signed(FloatVector points, int[] signs, int signsAt, float scale) {
        var bits = IntVector.fromArray(I8, signs, signsAt);
        return points.viewAsIntegralLanes().lanewise(VectorOperators.XOR, bits).viewAsFloatingLanes().mul(scale);
    }

    /**
     * {@code acc} plus {@code x} times the 8 weights {@link #signed8} writes for grid entry {@code entryAt / 8}, the
     * signs at {@code signs[signsAt]} ({@link #SIGN_BITS} of a sign byte or {@link #CODE_SIGN_BITS} of a 7-bit code)
     * and {@code scale}: those floats, multiplied in by one FMA per lane. The offsets come already times 8 (a vector's
     * offset in the tables) so a kernel cuts them out of its bit fields with one mask.
     */
    static FloatVector signedTimesAt(float[] grid, int entryAt, int[] signs, int signsAt, float scale, FloatVector x,
                                     FloatVector acc) {
        return signed(FloatVector.fromArray(F8, grid, entryAt), signs, signsAt, scale).fma(x, acc);
    }

    /**
     * {@link #signedTimesAt} for two entries of a 4-value grid spread to 8 lanes ({@link #IQ3XXS_LOW}): the entries
     * at {@code low[lowAt]} and {@code high[highAt]} added into the 8 weights two {@link #signed4} calls write.
     */
    static FloatVector pairSignedTimesAt(float[] low, float[] high, int lowAt, int highAt, int[] signs, int signsAt,
                                         float scale, FloatVector x, FloatVector acc) {
        var points = FloatVector.fromArray(F8, low, lowAt).add(FloatVector.fromArray(F8, high, highAt));
        return signed(points, signs, signsAt, scale).fma(x, acc);
    }

    /** {@link #pairSignedTimesAt} with the high entry taken from the low table, its halves swapped. */
    static FloatVector lowPairSignedTimesAt(float[] low, int lowAt, int highAt, int[] signs, int signsAt, float scale,
                                            FloatVector x, FloatVector acc) {
        // written out rather than through signed(...): with that one call more, IQ3_S's kernel passed C2's node budget
        // and ran boxed (2.4 GFLOP/s instead of 6.4)
        var bits = IntVector.fromArray(I8, signs, signsAt);
        return FloatVector.fromArray(F8, low, lowAt).add(FloatVector.fromArray(F8, low, highAt).rearrange(SWAP_HALVES))
                .viewAsIntegralLanes().lanewise(VectorOperators.XOR, bits).viewAsFloatingLanes().mul(scale).fma(x, acc);
    }

    /** {@code acc} plus {@code x} times the 8 weights {@link #shifted8} writes for entry {@code entryAt / 8}. */
    static FloatVector shiftedTimesAt(float[] grid, int entryAt, float delta, float scale, FloatVector x, FloatVector acc) {
        return FloatVector.fromArray(F8, grid, entryAt).add(delta).mul(scale).fma(x, acc);
    }

    /** {@link #signed8} for a 4-value grid: signs {@code 4 * half .. 4 * half + 3} of {@code signs}. */
    static void signed4(float[] grid, int entry, int signs, int half, float scale, float[] dst, int at) {
        var bits = IntVector.fromArray(I4, SIGN_BITS, 8 * signs + 4 * half);
        FloatVector.fromArray(F4, grid, 4 * entry).viewAsIntegralLanes().lanewise(VectorOperators.XOR, bits)
                .viewAsFloatingLanes().mul(scale).intoArray(dst, at);
    }

    /** {@link #IQ1_DELTA} negated when {@code signBit} (0 or 1) is 1. */
    static float iq1Delta(int signBit) {
        return IQ1_DELTAS[signBit];
    }

    /** 8 weights at {@code dst[at]}: {@code (grid entry + delta) * scale}, IQ1's order. */
    static void shifted8(float[] grid, int entry, float delta, float scale, float[] dst, int at) {
        FloatVector.fromArray(F8, grid, 8 * entry).add(delta).mul(scale).intoArray(dst, at);
    }

    private static float[] spread(float[] grid4, int lane) {
        float[] wide = new float[grid4.length * 2];
        for (int e = 0; e < grid4.length / 4; e++) {
            System.arraycopy(grid4, 4 * e, wide, 8 * e + lane, 4);
        }
        return wide;
    }

    private static float[] load(String name, int entries, int width) {
        float[] grid = TABLES.get(name);
        if (grid == null || grid.length != entries * width) {
            throw new IllegalStateException("iq-grids.txt: grid " + name + " missing or not " + entries + " x " + width);
        }
        return grid;
    }

    private static Map<String, float[]> readAll() {
        Map<String, float[]> all = new HashMap<>();
        try (InputStream in = IQuantGrids.class.getResourceAsStream("iq-grids.txt")) {
            if (in == null) {
                throw new IllegalStateException("iq-grids.txt missing from the class path");
            }
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            float[] current = null;
            int filled = 0;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] fields = line.trim().split(" ");
                if (fields[0].equals("grid")) {
                    current = new float[Integer.parseInt(fields[2]) * Integer.parseInt(fields[3])];
                    filled = 0;
                    all.put(fields[1], current);
                    continue;
                }
                for (String field : fields) {
                    current[filled++] = Integer.parseInt(field);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }
}
