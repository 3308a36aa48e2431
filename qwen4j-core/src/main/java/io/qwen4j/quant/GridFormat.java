package io.qwen4j.quant;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Base of the i-quant formats whose weights are points of a grid ({@link IQuantGrids}): IQ1_S, IQ1_M, IQ2_XXS,
 * IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S. All use 256-weight blocks; most start with an fp16 scale {@code d}.
 *
 * <p>qwen4j reads these formats but does not write them: llama.cpp's encoders search the grid against an importance
 * matrix (and refuse the smallest types without one). Synthetic models and benchmarks get {@link #randomBlocks}
 * instead: random bytes with the scale set for a chosen spread, valid blocks that exercise every field.
 */
abstract class GridFormat extends VectorBlockFormat implements RandomBlocks {

    private final TensorType type;
    /** Byte offset of the block's fp16 scale, or -1 when a subclass stores it otherwise. */
    private final int scaleOffset;
    private final int rowByRowBatch;

    /**
     * @param rowsDotKernel  a fused {@link KernelBarrier#ROWS_DOT} kernel (see {@link VectorBlockFormat})
     * @param rowByRowBatch  {@link #rowByRowBatch}: with the fused one-row kernels, the batched path (rows decoded,
     *     then multiplied) is slower for 2 activation rows on every grid format but IQ1_S, and for 3 on IQ2_XS and
     *     IQ3_XXS. {@code bench matmul --types iq1_s,iq1_m,iq2_xxs,iq2_xs,iq2_s,iq3_xxs,iq3_s --batch 1,2,3 --rows
     *     16384 --cols 3072 -t 1}, batch 2 / 3 through the batched path as a ratio to batch 1: IQ1_S 1.06 / 1.33,
     *     IQ1_M 0.87 / 1.18, IQ2_XXS 0.91 / 1.11, IQ2_XS - / 0.92, IQ2_S 0.87 / 1.16, IQ3_XXS - / 0.80, IQ3_S
     *     0.74 / 1.02 (IQ2_XS and IQ3_XXS measured with batch 2 already row by row: 1.00, 0.99).
     */
    GridFormat(TensorType type, int scaleOffset, MethodHandle rowsDotKernel, int rowByRowBatch) {
        super(rowsDotKernel);
        this.type = type;
        this.scaleOffset = scaleOffset;
        this.rowByRowBatch = rowByRowBatch;
    }

    @Override
    public int rowByRowBatch() {
        return rowByRowBatch;
    }

    @Override
    public final TensorType type() {
        return type;
    }

    /** The 256 weights of the block at byte {@code block} into {@code dst[at ...]}; {@code src} is a native segment. */
    abstract void decodeBlock(MemorySegment src, long block, float[] dst, int at);

    @Override
    final void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        long end = offset + type.bytesFor(count);
        for (long block = offset; block < end; block += type.blockBytes, dstOffset += type.blockSize) {
            decodeBlock(src, block, dst, dstOffset);
        }
    }

    /**
     * ggml's {@code dequantize_row_*}: the vectorised {@link #decode}, whose every float is the C's (a plain
     * transcription of the C, in the test tree, and llama.cpp's own output hold it to that).
     */
    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        if (src.isNative()) {
            decode(src, offset, dst, dstOffset, count);
            return;
        }
        // the decoders read native segments only (typed so for C2, see NativeSegments); a heap one is copied over
        try (Arena arena = Arena.ofConfined()) {
            long bytes = type.bytesFor(count);
            MemorySegment copy = arena.allocate(bytes);
            MemorySegment.copy(src, offset, copy, 0, bytes);
            decode(copy, 0, dst, dstOffset, count);
        }
    }

    /** Writes the fp16 bits {@code half} as the block's overall scale. */
    void writeScale(MemorySegment block, long at, short half) {
        block.set(KQuants.LE_SHORT, at + scaleOffset, half);
    }

    @Override
    public void randomBlocks(long seed, float rms, MemorySegment dst, long offset, int count) {
        requireWholeBlocks(count);
        long state = seed | 1;
        float[] values = new float[type.blockSize];
        // each block is made in a native scratch block (the decoders read native segments), then copied to dst
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(type.blockBytes);
            for (long block = offset, end = offset + type.bytesFor(count); block < end; block += type.blockBytes) {
                for (int i = 0; i < type.blockBytes; i++) {
                    state = RandomBlocks.next(state);
                    scratch.set(ValueLayout.JAVA_BYTE, i, (byte) state);
                }
                // measure the block at a unit scale, then scale it to the wanted root mean square
                writeScale(scratch, 0, Float.floatToFloat16(1f));
                decode(scratch, 0, values, 0, type.blockSize);
                double squares = 0;
                for (float v : values) {
                    squares += (double) v * v;
                }
                double unit = Math.sqrt(squares / type.blockSize);
                writeScale(scratch, 0, Float.floatToFloat16(unit > 0 ? (float) (rms / unit) : 0f));
                MemorySegment.copy(scratch, 0, dst, block, type.blockBytes);
            }
        }
    }
}
