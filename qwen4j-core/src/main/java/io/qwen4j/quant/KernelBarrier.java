package io.qwen4j.quant;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Calls a vector kernel through a method handle held in an instance field, which C2 cannot see
 * through: the kernel is always compiled as its own method and never inlined into its caller.
 *
 * <p>Why: Vector API code is only fast when C2 fits all of it into one method's node budget. When an
 * engine method called {@code matmul} for both Q4_K and Q6_K weights, C2 inlined both decoders into
 * it, ran out of budget and boxed every vector (batched Q4_K fell from 15.6 to 5.3 GFLOP/s, allocating).
 * A handle call costs tens of nanoseconds: ~12 % of a 1024-weight Q8_0 row's dot, so decode crosses the
 * barrier once per range of rows ({@link #ROWS_DOT}), not once per row.
 * (An instance field, not a static final one: C2 constant-folds static final handles and inlines them.)
 */
final class KernelBarrier {

    /** {@code (MemorySegment weights, long offset, float[] x, int xOffset, int count) -> float}. */
    static final MethodType DOT = MethodType.methodType(float.class, MemorySegment.class, long.class, float[].class, int.class, int.class);
    /**
     * {@code (MemorySegment weights, long offset, float[] x, int xOffset, int count, float[] side) -> float}:
     * a dot with a side array its caller fills (Q4_K: the row's scales and mins, x's sub-block sums).
     */
    static final MethodType DOT_WITH_SIDE = DOT.appendParameterTypes(float[].class);
    /**
     * {@code (MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count, float[] out,
     * int rowStart, int rowEnd) -> void}: {@code out[r]} = the dot of row {@code r} (at
     * {@code offset + r * rowBytes}) with x, for each row of the range. One call per range, not per row: the
     * handle call cost ~12 % of a 1024-weight Q8_0 row's dot (bench matmul batch 1, 1024 vs 4096 columns).
     */
    static final MethodType ROWS_DOT = MethodType.methodType(void.class, MemorySegment.class, long.class, long.class,
            float[].class, int.class, int.class, float[].class, int.class, int.class);
    /** {@link #ROWS_DOT} with a side array the kernel fills per row (K-quants: levels, scales). */
    static final MethodType ROWS_DOT_WITH_SIDE = ROWS_DOT.appendParameterTypes(float[].class);
    /**
     * {@code (MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
     * float[] out, int outAt, int outStride, int rowStart, int rowEnd) -> void}: {@link #ROWS_DOT} for two
     * activation rows at once, {@code x}'s dots into {@code out[outAt + r]}, {@code y}'s into
     * {@code out[outAt + outStride + r]}.
     */
    static final MethodType ROWS_DOT_PAIR = MethodType.methodType(void.class, MemorySegment.class, long.class, long.class,
            float[].class, float[].class, int.class, int.class, float[].class, int.class, int.class, int.class, int.class);
    /** {@link #ROWS_DOT_PAIR} with a side array the kernel fills per row (K-quants: scales, mins). */
    static final MethodType ROWS_DOT_PAIR_WITH_SIDE = ROWS_DOT_PAIR.appendParameterTypes(float[].class);
    /** {@code (MemorySegment src, long offset, float[] dst, int dstOffset, int count) -> void}. */
    static final MethodType DECODE = MethodType.methodType(void.class, MemorySegment.class, long.class, float[].class, int.class, int.class);

    /** {@code (MemorySegment weights, long offset, int count, float[] codes, float[] scales) -> void}. */
    static final MethodType ROW_DECODE = MethodType.methodType(void.class, MemorySegment.class, long.class, int.class, float[].class, float[].class);
    /**
     * {@code (MemorySegment weights, long offset, int count, float[] scaled, int from, float[] side) -> void}:
     * a K-quant row decoded for the batched kernel into {@code scaled} from index {@code from}.
     */
    static final MethodType SCALED_DECODE = MethodType.methodType(void.class, MemorySegment.class, long.class, int.class,
            float[].class, int.class, float[].class);

    private KernelBarrier() {
    }

    /** The static method {@code name} of {@code owner} with {@code type}, found through the owner's lookup. */
    static MethodHandle find(MethodHandles.Lookup lookup, Class<?> owner, String name, MethodType type) {
        try {
            return lookup.findStatic(owner, name, type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kernel " + owner.getSimpleName() + "." + name + " is missing", e);
        }
    }

    static void rowsDot(MethodHandle kernel, MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset,
                        int count, float[] out, int rowStart, int rowEnd) {
        try {
            kernel.invokeExact(weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void rowsDotPair(MethodHandle kernel, MemorySegment weights, long offset, long rowBytes, float[] x, float[] y,
                            int xOffset, int count, float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        try {
            kernel.invokeExact(weights, offset, rowBytes, x, y, xOffset, count, out, outAt, outStride, rowStart, rowEnd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void rowsDotPair(MethodHandle kernel, MemorySegment weights, long offset, long rowBytes, float[] x, float[] y,
                            int xOffset, int count, float[] out, int outAt, int outStride, int rowStart, int rowEnd,
                            float[] side) {
        try {
            kernel.invokeExact(weights, offset, rowBytes, x, y, xOffset, count, out, outAt, outStride, rowStart, rowEnd, side);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The dot of the one row at {@code offset} through a {@link #ROWS_DOT} kernel: a row range of that row alone. */
    static float rowDot(MethodHandle kernel, MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        float[] sum = Scratch.floats(Scratch.Slot.SUMS, 1);
        rowsDot(kernel, weights, offset, 0, x, xOffset, count, sum, 0, 1);
        return sum[0];
    }

    /** {@link #rowDot(MethodHandle, MemorySegment, long, float[], int, int)} through a {@link #ROWS_DOT_WITH_SIDE} kernel. */
    static float rowDot(MethodHandle kernel, MemorySegment weights, long offset, float[] x, int xOffset, int count,
                        float[] side) {
        float[] sum = Scratch.floats(Scratch.Slot.SUMS, 1);
        rowsDot(kernel, weights, offset, 0, x, xOffset, count, sum, 0, 1, side);
        return sum[0];
    }

    static void rowsDot(MethodHandle kernel, MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset,
                        int count, float[] out, int rowStart, int rowEnd, float[] side) {
        try {
            kernel.invokeExact(weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd, side);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static float dot(MethodHandle kernel, MemorySegment weights, long offset, float[] x, int xOffset, int count,
                     float[] side) {
        try {
            return (float) kernel.invokeExact(weights, offset, x, xOffset, count, side);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void decode(MethodHandle kernel, MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        try {
            kernel.invokeExact(src, offset, dst, dstOffset, count);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void decodeScaled(MethodHandle kernel, MemorySegment weights, long offset, int count, float[] scaled,
                             int from, float[] side) {
        try {
            kernel.invokeExact(weights, offset, count, scaled, from, side);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void decodeRow(MethodHandle kernel, MemorySegment weights, long offset, int count, float[] codes,
                          float[] scales) {
        try {
            kernel.invokeExact(weights, offset, count, codes, scales);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
