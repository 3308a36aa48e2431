package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;

/**
 * Base of the 32-element legacy formats Q4_1 and Q5_1 (Q8_0, Q4_0 and Q5_0 are {@link VectorBlockFormat}s,
 * see {@link Q8_0Format}): each supplies its {@code dot},
 * reference (de)quantization and a static row decoder; the batched matmul over decoded rows is shared
 * ({@link LegacyBlocks#matmul}).
 *
 * <p>Each format passes its own {@link MethodHandles#lookup()} ({@code super(MethodHandles.lookup())}), so
 * the handle points at that format's private {@code static void decodeRow(MemorySegment weights, long
 * offset, int count, float[] codes, float[] scales)}; the handle sits in an instance field behind a
 * {@link KernelBarrier}, which keeps C2 from inlining the decoder into the shared loop.
 */
abstract class LegacyFormat implements QuantFormat {

    private final MethodHandle decodeRowKernel;

    LegacyFormat(MethodHandles.Lookup ownLookup) {
        decodeRowKernel = KernelBarrier.find(ownLookup, ownLookup.lookupClass(), "decodeRow", KernelBarrier.ROW_DECODE);
    }

    @Override
    public final void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                             float[] out, int outStride, int rowStart, int rowEnd) {
        LegacyBlocks.matmul(this, decodeRowKernel, weights, offset, cols, x, batch, out, outStride, rowStart, rowEnd);
    }

    /** The row decoder's codes times their blocks' factors: {@link #dequantize}'s values (see {@link LegacyBlocks#matmul}). */
    @Override
    public final void decodeToFloats(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        float[] codes = Scratch.floats(Scratch.Slot.ROW, count);
        float[] factors = Scratch.floats(Scratch.Slot.ROW_SIDE, count / LegacyBlocks.BLOCK);
        KernelBarrier.decodeRow(decodeRowKernel, src, offset, count, codes, factors);
        for (int block = 0, at = 0; at < count; block++, at += LegacyBlocks.BLOCK) {
            float factor = factors[block];
            for (int j = 0; j < LegacyBlocks.BLOCK; j += FloatDots.F.length()) {
                FloatVector.fromArray(FloatDots.F, codes, at + j).mul(factor).intoArray(dst, dstOffset + at + j);
            }
        }
    }

    /** All five have a reference quantizer, bit-identical to ggml's. */
    @Override
    public final boolean canQuantize() {
        return true;
    }
}
