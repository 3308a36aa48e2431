package io.qwen4j.quant;

import static io.qwen4j.quant.LegacyBlocks.BLOCK;
import static io.qwen4j.quant.LegacyBlocks.half;
import static io.qwen4j.quant.LegacyBlocks.loadBytes;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: blocks of 32 elements, {@code fp16 d} then 16 bytes of nibbles. Byte {@code j} holds element
 * {@code j} in its low nibble and element {@code j + 16} in its high nibble; element value is
 * {@code (nibble - 8) * d}. 4.5 bits per weight. The quantizer maps the element of largest magnitude
 * (with its sign) to -8, so the other end of the range, +8, is clipped to 7.
 *
 * <p>The kernels work on two blocks at a time as eight int lanes: lanes 0-3 hold the first block's 16
 * nibble bytes, lanes 4-7 the second's (two 32-byte loads and a blend). XOR with {@code 0x88888888} turns
 * every nibble into {@code q - 8} in 4-bit two's complement, and nibble {@code k} of every lane comes out
 * with one shift and one mask, {@code (v << (28 - 4k)) & 0xF0000000}: {@code (q - 8) * 2^28} as an int,
 * exact as a float. No byte widening (a shuffle per 8 weights, the port x86 has least of) and no
 * per-weight scale: the activations are rearranged to the extraction order and scaled by {@code 2^-28} once
 * per matmul ({@link #prepare}, exact), and {@link GroupDots} applies {@code d} once per 32 weights.
 */
final class Q4_0Format extends VectorBlockFormat {

    private static final int BLOCK_BYTES = 18;
    private static final byte OFFSET = 8;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Integer> I = Species.INTS;
    /** Lanes of the second block of a pair. */
    private static final VectorMask<Integer> SECOND = VectorMask.fromLong(I, 0xF0);
    private static final VectorMask<Integer> FIRST = SECOND.not();
    private static final VectorMask<Float> SECOND_SCALE = VectorMask.fromLong(F, 0xF0);
    /** {@code 2^-28}: undoes the position of the extracted nibble. */
    private static final float UNSHIFT = 0x1p-28f;
    /** Where each slot of a prepared pair of blocks takes its activation from ({@link #prepare}). */
    private static final int[] PAIR_ORDER = pairOrder();

    private final MethodHandle rowsDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_0Format.class, "rowsDot", KernelBarrier.ROWS_DOT);
    /** Per thread: activation rows {@link #prepareActivations prepared} for a whole matmul. */
    private final ThreadLocal<float[][]> preparedRows = ThreadLocal.withInitial(() -> new float[0][]);
    private final MethodHandle decodeGroupsKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q4_0Format.class, "decodeGroups", KernelBarrier.DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q4_0;
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

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        for (int k = 0; k < count; k += BLOCK) {
            long base = offset + (long) (k / BLOCK) * BLOCK_BYTES;
            float scale = half(src, base);
            var d = FloatVector.broadcast(F, scale);
            var dHigh = FloatVector.broadcast(F, scale * 0.0625f);
            var bias = FloatVector.broadcast(F, -8 * scale);
            var first = loadBytes(src, base + 2);   // bytes 0-7: elements 0-7 and 16-23
            var second = loadBytes(src, base + 10); // bytes 8-15: elements 8-15 and 24-31
            LegacyBlocks.widenUnsigned(first.and((byte) 0x0F)).fma(d, bias).intoArray(dst, dstOffset + k);
            LegacyBlocks.widenUnsigned(second.and((byte) 0x0F)).fma(d, bias).intoArray(dst, dstOffset + k + 8);
            LegacyBlocks.widenUnsigned(first.and((byte) 0xF0)).fma(dHigh, bias).intoArray(dst, dstOffset + k + 16);
            LegacyBlocks.widenUnsigned(second.and((byte) 0xF0)).fma(dHigh, bias).intoArray(dst, dstOffset + k + 24);
        }
    }

    /** {@link GroupDots} groups of a row of {@code cols} weights: two per pair of blocks, a lone last block padded. */
    static int groups(int cols) {
        return 2 * ((cols / BLOCK + 1) / 2);
    }

    /**
     * Activation row {@code x[xOffset ..]} in the kernels' order, times {@code 2^-28}, into {@code dst} from
     * {@code at} ({@code groups(count) * 32} floats): per pair of blocks, extraction {@code k} (nibble {@code k}
     * of each 4-byte lane) at {@code 8k}, lane {@code i}; lane {@code i} is byte word {@code i % 4} of block
     * {@code i / 4}, and nibble {@code k} of word {@code w} is element {@code 4w + k/2} (+16 for odd k).
     * Lanes of a missing second block are 0.
     */
    static void prepare(float[] x, int xOffset, int count, float[] dst, int at) {
        int blocks = count / BLOCK;
        int whole = blocks / 2;
        for (int pair = 0; pair < whole; pair++) {
            int from = xOffset + pair * 2 * BLOCK;
            int out = at + pair * 2 * BLOCK;
            for (int j = 0; j < 2 * BLOCK; j++) {
                dst[out + j] = x[from + PAIR_ORDER[j]] * UNSHIFT;
            }
        }
        if (blocks % 2 != 0) { // a lone last block: its lanes, zeros for the missing second block's
            int from = xOffset + whole * 2 * BLOCK;
            int out = at + whole * 2 * BLOCK;
            for (int j = 0; j < 2 * BLOCK; j++) {
                dst[out + j] = PAIR_ORDER[j] < BLOCK ? x[from + PAIR_ORDER[j]] * UNSHIFT : 0f;
            }
        }
    }

    /** Slot {@code 8k + i} of a prepared pair of blocks: lane {@code i}'s nibble {@code k} (see {@link #prepare}). */
    private static int[] pairOrder() {
        int[] order = new int[2 * BLOCK];
        for (int k = 0; k < 8; k++) {
            for (int i = 0; i < 8; i++) {
                order[8 * k + i] = BLOCK * (i / 4) + 4 * (i % 4) + k / 2 + 16 * (k & 1);
            }
        }
        return order;
    }

    /**
     * The nibbles of blocks {@code at} and {@code at + 1} as eight int lanes, each nibble already {@code q - 8}
     * in two's complement; a lone last block ({@code second} false) fills lanes 0-3 only.
     */
    private static IntVector pair(MemorySegment w, long at, boolean second) {
        if (!second) {
            return IntVector.fromMemorySegment(I, w, at + 2, ByteOrder.LITTLE_ENDIAN, FIRST).lanewise(VectorOperators.XOR, 0x88888888);
        }
        return IntVector.fromMemorySegment(I, w, at + 2, ByteOrder.LITTLE_ENDIAN)
                .blend(IntVector.fromMemorySegment(I, w, at + 4, ByteOrder.LITTLE_ENDIAN), SECOND)
                .lanewise(VectorOperators.XOR, 0x88888888);
    }

    /** The two blocks' scales, lanes 0-3 and 4-7 (0 for a missing second block). */
    private static FloatVector scales(MemorySegment w, long at, boolean second) {
        return FloatVector.broadcast(F, half(w, at)).blend(second ? half(w, at + BLOCK_BYTES) : 0f, SECOND_SCALE);
    }

    /** Nibble {@code k} of every lane, {@code (q - 8) * 2^28}, as floats (exact). */
    private static FloatVector level(IntVector pair, int k) {
        return (FloatVector) pair.lanewise(VectorOperators.LSHL, 28 - 4 * k).and(0xF0000000).convertShape(VectorOperators.I2F, F, 0);
    }

    /** {@link #rowDot} of each row in {@code [rowStart, rowEnd)} with a {@link #prepare}d x: the {@link KernelBarrier#ROWS_DOT} kernel. */
    private static void rowsDot(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                                float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = rowDot(weights, offset + r * rowBytes, x, xOffset, count);
        }
    }

    /** {@link GroupDots#dot} of one row, decoded in registers, with a {@link #prepare}d x. */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        int blocks = count / BLOCK;
        var acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b += 2) {
            long at = offset + (long) b * BLOCK_BYTES;
            boolean second = b + 1 < blocks;
            var v = pair(weights, at, second);
            int xi = xOffset + b * BLOCK;
            var p = level(v, 0).mul(FloatVector.fromArray(F, x, xi));
            var q = level(v, 4).mul(FloatVector.fromArray(F, x, xi + 32));
            for (int k = 1; k < 4; k++) {
                p = level(v, k).fma(FloatVector.fromArray(F, x, xi + 8 * k), p);
                q = level(v, k + 4).fma(FloatVector.fromArray(F, x, xi + 32 + 8 * k), q);
            }
            var d = scales(weights, at, second);
            acc = p.fma(d, acc);
            acc = q.fma(d, acc);
        }
        return Lanes.sum(acc);
    }

    /** One row as {@link GroupDots} groups: per pair of blocks, levels 0-3 and the scales, levels 4-7 and the scales. */
    private static void decodeGroups(MemorySegment weights, long offset, float[] dst, int at, int count) {
        int blocks = count / BLOCK;
        int out = at;
        for (int b = 0; b < blocks; b += 2, out += 2 * GroupDots.GROUP_FLOATS) {
            long base = offset + (long) b * BLOCK_BYTES;
            boolean second = b + 1 < blocks;
            var v = pair(weights, base, second);
            var d = scales(weights, base, second);
            for (int k = 0; k < 4; k++) {
                level(v, k).intoArray(dst, out + 8 * k);
                level(v, k + 4).intoArray(dst, out + GroupDots.GROUP_FLOATS + 8 * k);
            }
            d.intoArray(dst, out + GroupDots.GROUP);
            d.intoArray(dst, out + GroupDots.GROUP_FLOATS + GroupDots.GROUP);
        }
    }

    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        float[] prepared = Scratch.floats(Scratch.Slot.PREPARED_ROW, FloatDots.LEAD + groups(count) * GroupDots.GROUP);
        prepare(x, xOffset, count, prepared, FloatDots.LEAD);
        return KernelBarrier.rowDot(rowsDotKernel, weights, offset, prepared, FloatDots.LEAD, count);
    }

    /**
     * Each activation row {@link #prepare}d once; one activation row gets the row-range kernel, more get
     * {@link FloatDots#decodedRowsTimesBatch} in {@link GroupDots}' order over rows decoded to the same levels and scales, so every result
     * equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        matmul(weights, offset, cols, x, null, batch, out, outStride, rowStart, rowEnd);
    }

    /** Each activation row {@link #prepare}d, into this thread's buffer of this format. */
    @Override
    public float[][] prepareActivations(float[] x, int batch, int cols) {
        requireWholeBlocks(cols);
        int lead = FloatDots.LEAD;
        float[][] rows = Scratch.rows(preparedRows, batch, lead + groups(cols) * GroupDots.GROUP);
        for (int b = 0; b < batch; b++) {
            prepare(x, b * cols, cols, rows[b], lead);
        }
        return rows;
    }

    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, float[][] prepared, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        int groups = groups(cols);
        int lead = FloatDots.LEAD;
        float[][] xRows = prepared != null ? prepared : prepareActivations(x, batch, cols);
        if (batch == 1) {
            KernelBarrier.rowsDot(rowsDotKernel, weights, offset, rowBytes, xRows[0], lead, cols, out, rowStart, rowEnd);
            return;
        }
        FloatDots.decodedRowsTimesBatch(FloatDots.Order.GROUPS,
                (r, w, at) -> KernelBarrier.decode(decodeGroupsKernel, weights, offset + r * rowBytes, w, at, cols),
                groups * GroupDots.GROUP_FLOATS, xRows, groups, batch, out, outStride, rowStart, rowEnd);
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
