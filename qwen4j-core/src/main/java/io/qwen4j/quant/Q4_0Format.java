package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.half;

import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: blocks of 32 elements, {@code fp16 d} then 16 bytes of nibbles. Byte {@code j} holds element
 * {@code j} in its low nibble and element {@code j + 16} in its high nibble; element value is
 * {@code (nibble - 8) * d}. 4.5 bits per weight. The quantizer maps the element of largest magnitude
 * (with its sign) to -8, so the other end of the range, +8, is clipped to 7.
 *
 * <p>The kernels multiply the weights themselves, {@code (q - 8) * d}, exact in float, in {@link FloatDots}' order, as
 * {@link Q8_0Format} does: a row gives what the same values stored as F32 give, and the batched matmul is
 * {@link FloatDots}' tile over decoded rows. The 8-lane one-row kernel sign-extends 8 bytes to int lanes and XORs
 * them with {@code 0xFFFFFF88}, the sign extension of {@code byte ^ 0x88}: both nibbles become {@code q - 8} in
 * 4-bit two's complement, so an arithmetic shift right by 4 gives the high element and a shift left by 28 the
 * low one times {@code 2^28} (its scale is then {@code d * 2^-28}; every product exact). The 16-lane one looks
 * the weights up instead ({@link NibbleTables}, shared with IQ4_NL, IQ4_XS and MXFP4): the block's 16 possible values
 * {@code (q - 8) * d} fill one register, and one permute per 16 nibbles picks them. Batches of 2 to 4 take activation
 * rows in pairs, each weight looked up once for both ({@link NibbleTables#rowsTimesTwo}); before, batches of 2 and 3
 * ran row by row, as the batched path was slower for them ({@code bench matmul --types q4_0 --batch 1,2,3}, batch 2 /
 * 3 against batch 1, in cache and from memory: 1.00 / 1.00 row by row, 1.12-1.47 / 0.93-0.97 in pairs, the third row
 * of 3 paired with itself).
 *
 * <p>Measured on 1024x1024, one thread ({@code bench matmul --types q4_0 --batch 1,8,32 -t 1}), against the
 * layout before (two blocks as eight int lanes, levels times x, the scale applied per group, activations
 * rearranged): batch 1 24.0 -> 33.4 GFLOP/s (16 lanes; 24.9 in 8), batch 8 52.7 -> 56.9, batch 32 67.1 -> 73.4.
 * The old order in 16 lanes made batch 1 34.0 but its tile had twice the scale FMAs and ran batch 32 at 59.6.
 */
final class Q4_0Format extends VectorBlockFormat {

    private static final int BLOCK_BYTES = 18;
    private static final byte OFFSET = 8;
    private static final VectorSpecies<Float> F = FloatDots.F;
    /** Sign extension of {@code 0x88}: XOR with it is the sign extension of the byte XOR {@code 0x88}. */
    private static final int TO_SIGNED_NIBBLES = 0xFFFFFF88;
    /** {@code 2^-28}: undoes the position of the low element ({@link #low}). */
    private static final float UNSHIFT = 0x1p-28f;
    /** {@code q - 8} for {@code q} = 0..15: times {@code d}, the 16 values of a block's weights ({@link NibbleTables}). */
    private static final float[] LEVELS = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};
    /** Where the high half of a block's elements starts. */
    private static final int HIGH = BLOCK / 2;

    Q4_0Format() {
        super(KernelBarrier.find(MethodHandles.lookup(), Q4_0Format.class, Species.WIDE ? "rowsDotWide" : "rowsDot", KernelBarrier.ROWS_DOT),
                Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), Q4_0Format.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.Q4_0;
    }

    /**
     * Every batch of 2 or more through {@link #matmul}: its pair kernel takes 2 to 4 rows (see above). The default says
     * the same, but without this override the 0.6B Q4_0 model's 32-token prefill ran ~10x slower in 2 of 18 runs of
     * {@code bench -m FILE -p 32 -n 16 -t 2} (16 of 16 normal with it, 0 of 18 slow before the pair kernel): C2's view
     * of {@link SmallBatches#matmul}'s call site, it seems; measured, not understood.
     */
    @Override
    public int rowByRowBatch() {
        return 1;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            float d = half(src, base);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xFF;
                dst[out + j] = ((packed & 0x0F) - OFFSET) * d;
                dst[out + j + BLOCK / 2] = ((packed >>> 4) - OFFSET) * d;
            }
        }
    }

    /**
     * The weights as {@link #rowDot} makes them in registers, or with {@link Species#WIDE} as the 16-lane kernel looks
     * them up ({@link NibbleTables#decodeBlocks}): the same floats as {@link #dequantize} either way. A quantized KV cache
     * reads every cached head through here once per decode step.
     */
    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        if (Species.WIDE) {
            NibbleTables.decodeBlocks(src, offset, dst, dstOffset, count, LEVELS, NibbleTables.Blocks.FP16_SCALED);
            return;
        }
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float scale = half(src, base);
            var d = FloatVector.broadcast(F, scale);
            var dLow = FloatVector.broadcast(F, scale * UNSHIFT);
            var first = signedNibbles(src, base + 2);   // bytes 0-7: elements 0-7 and 16-23
            var second = signedNibbles(src, base + 10); // bytes 8-15: elements 8-15 and 24-31
            low(first).mul(dLow).intoArray(dst, dstOffset + k);
            low(second).mul(dLow).intoArray(dst, dstOffset + k + 8);
            high(first).mul(d).intoArray(dst, dstOffset + k + HIGH);
            high(second).mul(d).intoArray(dst, dstOffset + k + HIGH + 8);
        }
    }

    /** Eight bytes at {@code at} as int lanes holding {@code q - 8} in two's complement: low nibble, then the high one signed over it. */
    private static IntVector signedNibbles(MemorySegment w, long at) {
        return widen(w, at).lanewise(VectorOperators.XOR, TO_SIGNED_NIBBLES);
    }

    /** The low elements of {@link #signedNibbles}, {@code (q - 8) * 2^28}, as floats (exact). */
    private static FloatVector low(IntVector nibbles) {
        return toFloats(nibbles.lanewise(VectorOperators.LSHL, 28));
    }

    /** The high elements of {@link #signedNibbles}, {@code q - 8}, as floats. */
    private static FloatVector high(IntVector nibbles) {
        return toFloats(nibbles.lanewise(VectorOperators.ASHR, 4));
    }

    /** {@link #rowDot} of each row in {@code [rowStart, rowEnd)}: the {@link KernelBarrier#ROWS_DOT} kernel without {@link Species#WIDE}. */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(weights, offset + r * rowBytes, x, xOffset, count);
        }
    }

    /**
     * {@link FloatDots#dot}'s FMAs over the decoded weights {@code (q - 8) * d}, decoded in registers: elements
     * 0-7 (bytes 0-7, low) and 16-23 (bytes 0-7, high) into accumulator 0, 8-15 and 24-31 into 1. The low
     * elements come times {@code 2^28}, so their scale is {@code d * 2^-28}: the products are the same floats.
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        weights = NativeSegments.TYPE.cast(weights);
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float scale = half(weights, base);
            var d = FloatVector.broadcast(F, scale);
            var dLow = FloatVector.broadcast(F, scale * UNSHIFT);
            int i = xOffset + k;
            var first = signedNibbles(weights, base + 2);
            var second = signedNibbles(weights, base + 10);
            acc0 = low(first).mul(dLow).fma(FloatVector.fromArray(F, x, i), acc0);
            acc1 = low(second).mul(dLow).fma(FloatVector.fromArray(F, x, i + 8), acc1);
            acc0 = high(first).mul(d).fma(FloatVector.fromArray(F, x, i + HIGH), acc0);
            acc1 = high(second).mul(d).fma(FloatVector.fromArray(F, x, i + HIGH + 8), acc1);
        }
        return FloatDots.sum(acc0, acc1);
    }

    /**
     * {@link #rowsDot} with 16-lane vectors ({@link #twoRowsWide}, taken in pairs as {@link #rowsDotInPairs} says), the
     * {@link KernelBarrier#ROWS_DOT} kernel with {@link Species#WIDE}: the same bits, as a 16-lane accumulator is
     * {@link #rowDot}'s two side by side.
     */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(Q4_0Format::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /** The accumulators of rows {@code row} and {@code row + gap} into {@code lanes[0..15]} and {@code lanes[16..31]}. */
    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        NibbleTables.twoRowsOfBlocks(weights, row, gap, x, xOffset, count, lanes, LEVELS, NibbleTables.Blocks.FP16_SCALED);
    }

    /** {@link NibbleTables#rowsTimesTwo} with this format's levels: the {@link KernelBarrier#ROWS_DOT_PAIR} kernel with {@link Species#WIDE}. */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                                float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        NibbleTables.rowsTimesTwo(weights, offset, rowBytes, x, y, xOffset, count, out, outAt, outStride, rowStart, rowEnd,
                LEVELS, NibbleTables.Blocks.FP16_SCALED);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q4_0_ref}, operation for operation. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float d = LegacyBlocks.signedMax(src, in) / -8;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            for (int j = 0; j < BLOCK / 2; j++) {
                // + 8.5 then truncation rounds to nearest; MIN clips the +8 end of the range
                int low = Math.min(15, LegacyBlocks.toInt8(src[in + j] * id + 8.5f));
                int high = Math.min(15, LegacyBlocks.toInt8(src[in + j + BLOCK / 2] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) (low | high << 4));
            }
        }
    }
}
