package io.qwen4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector shape of every kernel: 256 bits, 8 float or int lanes, on every machine.
 *
 * <p>Why one shape and not {@code SPECIES_PREFERRED}: the Vector API's shared code ({@code FloatVector.fma},
 * {@code lanewise}, ...) carries one type profile per call site for all callers. On an AVX-512 machine the
 * element-wise kernels ran 512-bit vectors while the matmul kernels ran 256-bit ones; the mixed profile made
 * C2 give up intrinsifying the matmul kernels' FMAs, which then boxed every vector (JFR: 4,269 young
 * collections in a 200-token decode, allocation samples in {@code FloatVector.lanewiseTemplate} under
 * {@code Q4_0Format.rowDot}). With every kernel on this shape, 0.6B Q4_0 decode at one thread went from
 * 9.4-11.0 to 19.1 t/s on that machine (README, "One vector shape"). On AVX2 machines the preferred shape
 * is this one anyway. A side effect worth having: the same summation order, hence the same logits, on both.
 */
public final class Species {

    public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    public static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;

    private Species() {
    }
}
