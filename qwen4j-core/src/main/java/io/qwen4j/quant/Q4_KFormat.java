package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K: 256 weights in 144 bytes, {@code w = d * scale_j * q - dmin * min_j} with 4-bit {@code q}.
 *
 * <p>Block ({@code block_q4_K}): {@code d} and {@code dmin} (fp16), 12 bytes packing eight 6-bit scales
 * and eight 6-bit mins (see {@link KQuants#scaleK4}), then 128 bytes of nibbles. Each 64-weight chunk
 * uses 32 bytes: low nibbles are weights 0-31 (sub-block 2c), high nibbles weights 32-63 (2c+1).
 */
final class Q4_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 144;
    /** {@link Q4_KKernels#rowsDot} and {@link Q4_KKernels#decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowsDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_KKernels.class, Species.WIDE ? "rowsDotWide" : "rowsDot",
                    KernelBarrier.ROWS_DOT_WITH_SIDE);
    /** {@link Q4_KKernels#rowsDotPairWide} behind a {@link KernelBarrier}, or null without {@link Species#WIDE}. */
    private final MethodHandle rowsDotPairKernel = Species.WIDE
            ? KernelBarrier.find(MethodHandles.lookup(), Q4_KKernels.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR_WITH_SIDE)
            : null;
    private final MethodHandle decodeScaledKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_KKernels.class, Species.WIDE ? "decodeScaledWide" : "decodeScaled",
                    KernelBarrier.SCALED_DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q4_K;
    }

    /**
     * With {@link Species#WIDE}, batches of 2-4 take {@link Q4_KKernels#rowsDotPairWide}. Without it, batches of 2 and 3 row by row:
     * {@code bench matmul --types q4_k --batch 1,2,3 --rows 16384 --cols 3072}, batch 2 / 3 as a ratio to batch 1 with
     * the batched path, 0.69 / 0.80 at one thread, 0.76 / 0.87 at two (0.77 / 0.89 with the 8-lane kernels).
     */
    @Override
    public int rowByRowBatch() {
        return Species.WIDE ? 1 : 3;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            float min = KQuants.half(src, block + 2);
            for (int chunk = 0; chunk < 4; chunk++) {
                float d1 = d * KQuants.scaleK4(src, block + 4, 2 * chunk);
                float m1 = min * KQuants.minK4(src, block + 4, 2 * chunk);
                float d2 = d * KQuants.scaleK4(src, block + 4, 2 * chunk + 1);
                float m2 = min * KQuants.minK4(src, block + 4, 2 * chunk + 1);
                long q = block + 16 + 32 * chunk;
                for (int l = 0; l < 32; l++) {
                    dst[out + l] = d1 * (KQuants.u8(src, q + l) & 0xF) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[out + 32 + l] = d2 * (KQuants.u8(src, q + l) >>> 4) - m2;
                }
                out += 64;
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            float min = KQuants.half(src, block + 2);
            long scales = src.get(KQuants.LE_LONG, block + 4);
            int scalesHigh = src.get(KQuants.LE_INT, block + 12);
            for (int sub = 0; sub < 8; sub++) {
                float scale = d * KQuants.scaleK4(scales, scalesHigh, sub);
                float shift = min * KQuants.minK4(scales, scalesHigh, sub);
                long q = block + 16 + 32 * (sub >> 1);
                int nibble = 4 * (sub & 1);
                for (int l = 0; l < 32; l += 8) {
                    nibbles(src, q + l, nibble).mul(scale).sub(shift).intoArray(dst, out + l);
                }
                out += 32;
            }
        }
    }

    /**
     * Fused dot with the mins factored out: per 32-weight sub-block {@code j},
     * {@code sum(w x) = sum(d scale_j q x) - dmin min_j * sum(x)}. The x sums ({@link KMinSums#subBlockSums})
     * depend on x alone, so a matmul computes them once for all rows, and per weight only widen, mask,
     * convert, scale and one FMA remain. See {@link Q4_KKernels#rowDot} for the order.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        int subs = count / 32;
        float[] factors = new float[3 * subs];
        KMinSums.subBlockSums(x, xOffset, count, factors, 2 * subs);
        return KernelBarrier.rowDot(rowsDotKernel, weights, offset, x, xOffset, count, factors);
    }

    /**
     * For a single activation row (its x sums computed once), {@link Q4_KKernels#rowsDot} over the range of rows. For more,
     * each row is decoded once, extended by its mins ({@link Q4_KKernels#decodeScaled}), and multiplied, two rows at a time, by pairs of
     * activation rows, each extended by its x sums, per pass ({@link FloatDots#decodedRowsTimesBatch}): the operations of
     * {@link Q4_KKernels#rowDot}, so every result equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        int subs = cols / 32;
        float[] xSums = Scratch.floats(Scratch.Slot.ACTIVATION_SUMS, batch * subs);
        for (int b = 0; b < batch; b++) {
            KMinSums.subBlockSums(x, b * cols, cols, xSums, b * subs);
        }
        int lead = FloatDots.LEAD;
        if (batch == 1) {
            float[] factors = Scratch.floats(Scratch.Slot.ROW_SIDE, 3 * subs);
            System.arraycopy(xSums, 0, factors, 2 * subs, subs);
            float[] aligned = FloatDots.alignedRows(x, 1, cols)[0];
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, aligned, lead, cols, out, rowStart, rowEnd, factors);
            return;
        }
        if (batch <= PAIRED_BATCH && rowsDotPairKernel != null) {
            float[][] xRows = FloatDots.alignedRows(x, batch, cols);
            // the two activation rows' sub-block sums, then the factors of each row of a block of PAIRED_ROWS
            float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, 2 * subs + PAIRED_ROWS * 2 * subs);
            // the pairs take each block of rows in turn, so the second pair reads its weights from cache
            for (int from = rowStart; from < rowEnd; from += PAIRED_ROWS) {
                int to = Math.min(rowEnd, from + PAIRED_ROWS);
                // unpacked here, not in the kernel (see rowsDotPairWide)
                for (int r = from; r < to; r++) {
                    int at = 2 * subs + (r - from) * 2 * subs;
                    unpackFactors(weights, offset + r * rowBytes, cols, side, at, at + subs);
                }
                for (int b = 0; b < batch; b += 2) {
                    // an odd last row is paired with itself, its two results written to the same place
                    int second = Math.min(b + 1, batch - 1);
                    System.arraycopy(xSums, b * subs, side, 0, subs);
                    System.arraycopy(xSums, second * subs, side, subs, subs);
                    KernelBarrier.rowsDotPair(rowsDotPairKernel, weights, offset, rowBytes, xRows[b], xRows[second], lead, cols,
                            out, b * outStride, (second - b) * outStride, from, to, side);
                }
            }
            return;
        }
        // each activation row permuted and extended by its x sums, as rowDot reads it
        int n = cols + subs;
        float[][] xExtended = Scratch.rows(batch, lead + n);
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < cols; k += 64) {
                System.arraycopy(x, b * cols + k, xExtended[b], lead + k, 16);
                System.arraycopy(x, b * cols + k + 32, xExtended[b], lead + k + 16, 16);
                System.arraycopy(x, b * cols + k + 16, xExtended[b], lead + k + 32, 16);
                System.arraycopy(x, b * cols + k + 48, xExtended[b], lead + k + 48, 16);
            }
            System.arraycopy(xSums, b * subs, xExtended[b], lead + cols, subs);
        }
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            unpackFactors(weights, row, cols, w, at + n, at + cols);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, w);
        }, n + subs, xExtended, n, batch, out, outStride, rowStart, rowEnd);
    }

    /**
     * A row's factors ({@link KQuants#unpackK4Factors}): {@code d * scale_j} per sub-block at
     * {@code factors[scalesAt + j]} (times 1/16 for the odd, high-nibble sub-blocks; exact),
     * {@code -(dmin * min_j)} at {@code factors[minsAt + j]}.
     */
    static void unpackFactors(MemorySegment w, long offset, int count, float[] factors, int scalesAt, int minsAt) {
        KQuants.unpackK4Factors(w, offset, count, BLOCK_BYTES, true, factors, scalesAt, minsAt);
    }

    /** 8 nibbles (low for {@code shift} 0, high for 4) of 8 bytes as floats. */
    static FloatVector nibbles(MemorySegment w, long at, int shift) {
        return toFloats(widen(w, at).lanewise(VectorOperators.ASHR, shift).and(0xF));
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q4_K_ref}; see {@link KMinQuantizer}. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        KMinQuantizer.quantize(KMinQuantizer.Q4_K, src, srcOffset, count, dst, dstOffset);
    }
}
