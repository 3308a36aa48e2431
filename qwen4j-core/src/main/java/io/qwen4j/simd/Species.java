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

    /**
     * 16 float lanes, for the few one-row kernels that have a wide variant ({@link #WIDE}). The exception to one
     * shape, measured: such a kernel is its own compiled method behind a kernel barrier and none of its vectors
     * meet the 8-lane ones, and decode allocated about as before (a 200-token {@code generate}: 110 young collections
     * against 84; boxed vectors gave thousands).
     * Why at all: a one-row dot of byte weights is bound by instructions, not by arithmetic or memory; one
     * 16-lane widen-multiply-add does the work of two 8-lane ones.
     */
    public static final VectorSpecies<Float> WIDE_FLOATS = FloatVector.SPECIES_512;

    /**
     * Whether this CPU runs 16-lane vectors natively (AVX-512). Without it C2 would emulate them lane by lane, so
     * the wide kernels are chosen only here; {@code -Dqwen4j.wideVectors=false} turns them off (to compare, or to
     * test the 8-lane kernels on an AVX-512 machine).
     */
    public static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            && !"false".equals(System.getProperty("qwen4j.wideVectors"));

    private Species() {
    }
}
