package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.LE_INT;
import static io.qwen4j.quant.LegacyBlocks.fifthBitsMinus16;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.highNibbles;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;
import static io.qwen4j.quant.LegacyBlocks.lowNibbles;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_0: blocks of 32 elements, {@code fp16 d}, a little-endian 32-bit {@code qh} whose bit {@code j} is
 * the fifth bit of element {@code j}, then 16 bytes of low nibbles laid out as in Q4_0; element value is
 * {@code (q - 16) * d}. 5.5 bits per weight. The quantizer maps the element of largest magnitude to -16.
 *
 * <p>As for {@link Q8_0Format}, the kernels multiply the weights themselves, {@code (q - 16) * d}, exact in float (5 by
 * 11 significant bits), in {@link FloatDots}' order, so batches go through decoded rows and the three-by-two tile.
 * Why not ggml's order (each block's sum times {@code d}), which this format kept until stop 43: its batched kernel
 * read four activation rows per weight row and ran at half the speed of the tile formats ({@code bench matmul
 * --types q5_0 --batch 8,32}: 30.9 / 38.8 GFLOP/s against Q4_0's 64.4 / 77.8). Q5_0 is what a Q4_K matrix falls back
 * to when its rows are no multiple of 256 (llama.cpp's quantizer, as {@code convert.QuantMix}), so in a Qwen2.5-0.5B
 * {@code Q4_K_M} file (896 wide) the matrices that read the hidden state are Q5_0.
 *
 * <p>With {@link Species#WIDE}, batches of 2-4 take {@link #rowsDotPairWide} (each weight decoded once for two
 * activation rows). {@code bench matmul --types q5_0 --batch 1,2,3,4}, two rounds, batch 2 before (row by row) and with
 * it: in cache (3072x1024, one thread) 19.0 / 19.5 -> 37.5 / 37.5 GFLOP/s, from memory (16384x3072, two threads)
 * 41.4 / 40.0 -> 66.2 / 57.4.
 */
final class Q5_0Format extends VectorBlockFormat {

    private static final int BLOCK_BYTES = 22;
    private static final byte OFFSET = 16;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Float> WIDE = Species.WIDE_FLOATS;
    private static final VectorSpecies<Integer> INTS_16 = IntVector.SPECIES_512;

    Q5_0Format() {
        super(KernelBarrier.find(MethodHandles.lookup(), Q5_0Format.class, Species.WIDE ? "rowsDotWide" : "rowsDot", KernelBarrier.ROWS_DOT),
                Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), Q5_0Format.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.Q5_0;
    }

    /**
     * Without {@link Species#WIDE} (no pair kernel), batches of 2 row by row: with the decoded-row tile, {@code bench matmul
     * --types q5_0 --batch 1,2,3}, batch 2 ran 25.8-25.9 GFLOP/s in cache (3072x1024, one thread) against 19.0 row by
     * row, but from memory (16384x3072, two threads), as a model's weights are read, 24.7-33.9 against 40.8-41.3.
     */
    @Override
    public int rowByRowBatch() {
        return Species.WIDE ? 1 : 2;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            long base = offset + (long) block * BLOCK_BYTES;
            float d = half(src, base);
            int qh = src.get(LE_INT, base + 2);
            int out = dstOffset + block * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = src.get(ValueLayout.JAVA_BYTE, base + 6 + j) & 0xFF;
                int low = (packed & 0x0F) | ((qh >>> j) & 1) << 4;
                int high = (packed >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                dst[out + j] = (low - OFFSET) * d;
                dst[out + j + BLOCK / 2] = (high - OFFSET) * d;
            }
        }
    }

    /** Vectorised {@link #dequantize}: {@code (q - 16) * d}, the same products. */
    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float d = half(src, base);
            int qh = src.get(LE_INT, base + 2);
            var first = loadBytes(src, base + 6);
            var second = loadBytes(src, base + 14);
            LegacyBlocks.widen(lowNibbles(first).add(fifthBitsMinus16(qh, 0))).mul(d).intoArray(dst, dstOffset + k);
            LegacyBlocks.widen(lowNibbles(second).add(fifthBitsMinus16(qh, 8))).mul(d).intoArray(dst, dstOffset + k + 8);
            LegacyBlocks.widen(highNibbles(first).add(fifthBitsMinus16(qh, 16))).mul(d).intoArray(dst, dstOffset + k + 16);
            LegacyBlocks.widen(highNibbles(second).add(fifthBitsMinus16(qh, 24))).mul(d).intoArray(dst, dstOffset + k + 24);
        }
    }

    /** {@link #rowDot} of each row in {@code [rowStart, rowEnd)}: the {@link KernelBarrier#ROWS_DOT} kernel without {@link Species#WIDE}. */
    static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                        float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(weights, offset + r * rowBytes, x, xOffset, count);
        }
    }

    /** The row's decoded weights times x in {@link FloatDots}' order: elements 0-7 and 16-23 of a block to {@code acc0}. */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        weights = NativeSegments.TYPE.cast(weights);
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            var d = FloatVector.broadcast(F, half(weights, base));
            int qh = weights.get(LE_INT, base + 2);
            var first = loadBytes(weights, base + 6);
            var second = loadBytes(weights, base + 14);
            acc0 = LegacyBlocks.widen(lowNibbles(first).add(fifthBitsMinus16(qh, 0))).mul(d)
                    .fma(FloatVector.fromArray(F, x, xOffset + k), acc0);
            acc1 = LegacyBlocks.widen(lowNibbles(second).add(fifthBitsMinus16(qh, 8))).mul(d)
                    .fma(FloatVector.fromArray(F, x, xOffset + k + 8), acc1);
            acc0 = LegacyBlocks.widen(highNibbles(first).add(fifthBitsMinus16(qh, 16))).mul(d)
                    .fma(FloatVector.fromArray(F, x, xOffset + k + 16), acc0);
            acc1 = LegacyBlocks.widen(highNibbles(second).add(fifthBitsMinus16(qh, 24))).mul(d)
                    .fma(FloatVector.fromArray(F, x, xOffset + k + 24), acc1);
        }
        return FloatDots.sum(acc0, acc1);
    }

    /** {@link #rowsDot} with 16-lane vectors ({@link #twoRowsWide}), the {@link KernelBarrier#ROWS_DOT} kernel with {@link Species#WIDE}: the same bits. */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(Q5_0Format::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /**
     * The accumulators of rows {@code row} and {@code row + gap} into {@code lanes[0..15]} and {@code lanes[16..31]}, one
     * 16-lane accumulator per row being {@link #rowDot}'s two side by side. A block's 16 nibble bytes are widened to ints
     * once: their low nibbles are elements 0-15, their high ones 16-31, and a lane mask made from 16 bits of {@code qh}
     * ({@code VectorMask.fromLong}) subtracts 16 where an element's fifth bit is clear. Written out for both rows, with
     * no helper taking vectors (one C2 compiled on its own took and returned boxed vectors: 2.3 GFLOP/s, allocating) and
     * no per-lane shifts of {@code qh} ({@code lanewise(LSHR, vector)} fell back to Java code here: "missing constant"
     * under {@code -XX:+PrintIntrinsics}).
     */
    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        for (int k = 0; k < count; k += BLOCK) {
            long base = row + (long) (k / BLOCK) * BLOCK_BYTES;
            var v = FloatVector.fromArray(WIDE, x, xOffset + k);
            var u = FloatVector.fromArray(WIDE, x, xOffset + k + 16);
            var nibbles = widen16(weights, base + 6);
            int unset = ~weights.get(LE_INT, base + 2);
            var d = FloatVector.broadcast(WIDE, half(weights, base));
            // q - 16 is the low four bits where the fifth is set, and 16 less where it is not
            var low = nibbles.and(0xF).lanewise(VectorOperators.SUB, OFFSET, VectorMask.fromLong(INTS_16, unset & 0xFFFF));
            var high = nibbles.lanewise(VectorOperators.ASHR, 4).and(0xF)
                    .lanewise(VectorOperators.SUB, OFFSET, VectorMask.fromLong(INTS_16, (unset >>> 16) & 0xFFFF));
            a = toFloats16(low).mul(d).fma(v, a);
            a = toFloats16(high).mul(d).fma(u, a);
            nibbles = widen16(weights, base + gap + 6);
            unset = ~weights.get(LE_INT, base + gap + 2);
            d = FloatVector.broadcast(WIDE, half(weights, base + gap));
            low = nibbles.and(0xF).lanewise(VectorOperators.SUB, OFFSET, VectorMask.fromLong(INTS_16, unset & 0xFFFF));
            high = nibbles.lanewise(VectorOperators.ASHR, 4).and(0xF)
                    .lanewise(VectorOperators.SUB, OFFSET, VectorMask.fromLong(INTS_16, (unset >>> 16) & 0xFFFF));
            b = toFloats16(low).mul(d).fma(v, b);
            b = toFloats16(high).mul(d).fma(u, b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * {@link #twoRowsWide}'s products for two activation rows at once, the {@link KernelBarrier#ROWS_DOT_PAIR} kernel with
     * {@link Species#WIDE}: each weight row's codes are cut and scaled once and multiplied into both rows' accumulators,
     * each by the one-row kernel's FMAs in its order, so the same bits.
     */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset,
                                int count, float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            pairRowWide(weights, offset + r * rowBytes, x, y, xOffset, count, lanes);
            out[outAt + r] = Lanes.sumOfTwo(lanes, 0);
            out[outAt + outStride + r] = Lanes.sumOfTwo(lanes, 16);
        }
    }

    /** One weight row times two activation rows: their accumulators into {@code lanes[0..15]} and {@code lanes[16..31]}. */
    private static void pairRowWide(MemorySegment weights, long row, float[] x, float[] y, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var a = FloatVector.zero(WIDE);
        var b = FloatVector.zero(WIDE);
        for (int k = 0; k < count; k += BLOCK) {
            long base = row + (long) (k / BLOCK) * BLOCK_BYTES;
            var nibbles = widen16(weights, base + 6);
            int unset = ~weights.get(LE_INT, base + 2);
            var d = FloatVector.broadcast(WIDE, half(weights, base));
            var low = toFloats16(nibbles.and(0xF).lanewise(VectorOperators.SUB, OFFSET, VectorMask.fromLong(INTS_16, unset & 0xFFFF)))
                    .mul(d);
            var high = toFloats16(nibbles.lanewise(VectorOperators.ASHR, 4).and(0xF)
                    .lanewise(VectorOperators.SUB, OFFSET, VectorMask.fromLong(INTS_16, (unset >>> 16) & 0xFFFF))).mul(d);
            a = low.fma(FloatVector.fromArray(WIDE, x, xOffset + k), a);
            a = high.fma(FloatVector.fromArray(WIDE, x, xOffset + k + 16), a);
            b = low.fma(FloatVector.fromArray(WIDE, y, xOffset + k), b);
            b = high.fma(FloatVector.fromArray(WIDE, y, xOffset + k + 16), b);
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /** ggml's {@code quantize_row_q5_0_ref}, operation for operation. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        LegacyBlocks.requireWholeBlocks(count);
        for (int block = 0; block < count / BLOCK; block++) {
            int in = srcOffset + block * BLOCK;
            long base = dstOffset + (long) block * BLOCK_BYTES;
            float d = LegacyBlocks.signedMax(src, in) / -16;
            float id = d != 0f ? 1.0f / d : 0.0f;
            LegacyBlocks.putHalf(dst, base, d);
            int qh = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = Math.min(31, LegacyBlocks.toInt8(src[in + j] * id + 16.5f));
                int high = Math.min(31, LegacyBlocks.toInt8(src[in + j + BLOCK / 2] * id + 16.5f));
                dst.set(ValueLayout.JAVA_BYTE, base + 6 + j, (byte) ((low & 0x0F) | (high & 0x0F) << 4));
                qh |= (low >>> 4 & 1) << j | (high >>> 4 & 1) << (j + BLOCK / 2);
            }
            dst.set(LE_INT, base + 2, qh);
        }
    }
}
