import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What one core of this machine does per nanosecond with 8-lane float vectors, in one run: FMAs with no
 * memory traffic (ten independent accumulators, more than FMA latency times issue width needs) and vector
 * loads from L1 (a 16 KB array, eight independent sums). Batched matmul kernels need roughly one load per
 * FMA, so the smaller of the two rates bounds them.
 *
 * <p>Run: {@code $JAVA --add-modules jdk.incubator.vector [-Dwide=true] scripts/bench/CorePeak.java} (best of 5
 * rounds); {@code -Dwide=true} uses 16-lane vectors (AVX-512), the shape of the one-row kernels there.
 */
public class CorePeak {

    static final VectorSpecies<Float> F = Boolean.getBoolean("wide") ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    static final int L = F.length();

    static float fmaOnly(float[] seed, int iterations) {
        var m = FloatVector.fromArray(F, seed, 0);
        var c = FloatVector.fromArray(F, seed, L);
        var a0 = FloatVector.zero(F);
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        var a4 = a0;
        var a5 = a0;
        var a6 = a0;
        var a7 = a0;
        var a8 = a0;
        var a9 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).reduceLanes(VectorOperators.ADD);
    }

    static float loadsOnly(float[] data, int passes) {
        var a0 = FloatVector.zero(F);
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        var a4 = a0;
        var a5 = a0;
        var a6 = a0;
        var a7 = a0;
        for (int p = 0; p < passes; p++) {
            for (int i = 0; i + 8 * L <= data.length; i += 8 * L) {
                a0 = a0.add(FloatVector.fromArray(F, data, i));
                a1 = a1.add(FloatVector.fromArray(F, data, i + 1 * L));
                a2 = a2.add(FloatVector.fromArray(F, data, i + 2 * L));
                a3 = a3.add(FloatVector.fromArray(F, data, i + 3 * L));
                a4 = a4.add(FloatVector.fromArray(F, data, i + 4 * L));
                a5 = a5.add(FloatVector.fromArray(F, data, i + 5 * L));
                a6 = a6.add(FloatVector.fromArray(F, data, i + 6 * L));
                a7 = a7.add(FloatVector.fromArray(F, data, i + 7 * L));
            }
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        float[] data = new float[4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = 1e-7f * i;
        }
        int iterations = 50_000_000;
        int passes = 20_000;
        double bestFma = 0;
        double bestLoads = 0;
        float sink = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            sink += fmaOnly(data, iterations);
            long t1 = System.nanoTime();
            sink += loadsOnly(data, passes);
            long t2 = System.nanoTime();
            bestFma = Math.max(bestFma, 10.0 * iterations / (t1 - t0));
            bestLoads = Math.max(bestLoads, (double) passes * data.length / L / (t2 - t1));
        }
        System.out.printf(Locale.ROOT, "%d-lane FMAs: %.2f per ns (%.1f GFLOP/s); %d-lane L1 loads: %.2f per ns (%.1f GB/s)  [%s]%n",
                L, bestFma, bestFma * 2 * L, L, bestLoads, bestLoads * 4 * L, sink);
    }
}
