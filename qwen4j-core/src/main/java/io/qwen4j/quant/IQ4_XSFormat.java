package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IQ4_XS: 256 weights in 136 bytes, {@code w = d * (scale_j - 32) * kvalues[q]}: IQ4_NL's table with a
 * 6-bit scale per 32 weights.
 *
 * <p>Block ({@code block_iq4_xs}): {@code d} (fp16), {@code scales_h} (u16: 2 high scale bits per
 * sub-block), {@code scales_l} (4 bytes: a low nibble per sub-block), 128 bytes of nibbles laid out per
 * 32-weight sub-block as in IQ4_NL.
 *
 * <p>With 16-lane vectors a row's dot looks its weights up in registers ({@link NibbleTables}: per sub-block the
 * table times {@code d * (scale_j - 32)}); with 8 lanes it decodes the row first.
 */
final class IQ4_XSFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 136;
    private static final int GROUPS = QK_K / 32;
    /** Where a block's nibbles start: after {@code d}, {@code scales_h} and {@code scales_l}. */
    private static final int NIBBLES = 8;

    IQ4_XSFormat() {
        super(Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), IQ4_XSFormat.class, "rowsDotWide", KernelBarrier.ROWS_DOT) : null,
                Species.WIDE ? KernelBarrier.find(MethodHandles.lookup(), IQ4_XSFormat.class, "rowsDotPairWide", KernelBarrier.ROWS_DOT_PAIR) : null);
    }

    @Override
    public TensorType type() {
        return TensorType.IQ4_XS;
    }

    /** Sub-block {@code ib}'s scale, already minus 32. */
    static int scale(MemorySegment src, long block, int ib) {
        return scale(lowScaleBits(src, block), highScaleBits(src, block), ib);
    }

    /** {@code scales_l}: sub-block {@code ib}'s low 4 scale bits at bit {@code 4 ib}. */
    private static int lowScaleBits(MemorySegment src, long block) {
        return src.get(KQuants.LE_INT, block + 4);
    }

    /** {@code scales_h}: sub-block {@code ib}'s high 2 scale bits at bit {@code 2 ib}. */
    private static int highScaleBits(MemorySegment src, long block) {
        return src.get(KQuants.LE_SHORT, block + 2) & 0xFFFF;
    }

    /** Sub-block {@code ib}'s scale minus 32 from a block's {@link #lowScaleBits} and {@link #highScaleBits}. */
    private static int scale(int low, int high, int ib) {
        return (((low >>> (4 * ib)) & 0xF) | (((high >>> (2 * ib)) & 3) << 4)) - 32;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            for (int ib = 0; ib < 8; ib++) {
                float dl = d * scale(src, block, ib);
                long qs = block + 8 + 16 * ib;
                for (int j = 0; j < 16; j++) {
                    int q = KQuants.u8(src, qs + j);
                    dst[out + j] = dl * KQuants.KVALUES_IQ4NL[q & 0xF];
                    dst[out + j + 16] = dl * KQuants.KVALUES_IQ4NL[q >>> 4];
                }
                out += 32;
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block);
            int low = lowScaleBits(src, block);
            int high = highScaleBits(src, block);
            for (int ib = 0; ib < GROUPS; ib++) {
                var nibbles = ByteVector.fromMemorySegment(IQ4_NLFormat.B, src, block + NIBBLES + 16 * ib, ByteOrder.LITTLE_ENDIAN);
                IQ4_NLFormat.decode16(nibbles, d * scale(low, high, ib), dst, out);
                out += 32;
            }
        }
    }

    /** The {@link KernelBarrier#ROWS_DOT} kernel with {@link Species#WIDE}: rows in pairs as {@link #rowsDotInPairs} says. */
    static void rowsDotWide(MemorySegment weights, long offset, long rowBytes, float[] x, int xOffset, int count,
                            float[] out, int rowStart, int rowEnd) {
        rowsDotInPairs(IQ4_XSFormat::twoRowsWide, weights, offset, rowBytes, x, xOffset, count, out, rowStart, rowEnd);
    }

    /** The accumulators of rows {@code row} and {@code row + gap} into {@code lanes[0..15]} and {@code lanes[16..31]}. */
    private static void twoRowsWide(MemorySegment weights, long row, long gap, float[] x, int xOffset, int count, float[] lanes) {
        weights = NativeSegments.TYPE.cast(weights);
        var levels = NibbleTables.levels(NibbleTables.IQ4_NL_LEVELS);
        var a = FloatVector.zero(NibbleTables.WIDE);
        var b = FloatVector.zero(NibbleTables.WIDE);
        for (int k = 0; k < count; k += QK_K) {
            long block = row + (long) (k / QK_K) * BLOCK_BYTES;
            float da = KQuants.half(weights, block);
            float db = KQuants.half(weights, block + gap);
            // the scale bits read once a block, a sub-block's cut out by shifts (as decode does)
            int lowA = lowScaleBits(weights, block);
            int highA = highScaleBits(weights, block);
            int lowB = lowScaleBits(weights, block + gap);
            int highB = highScaleBits(weights, block + gap);
            for (int ib = 0; ib < GROUPS; ib++) {
                int i = xOffset + k + 32 * ib;
                var xLow = FloatVector.fromArray(NibbleTables.WIDE, x, i);
                var xHigh = FloatVector.fromArray(NibbleTables.WIDE, x, i + 16);
                long at = block + NIBBLES + 16 * ib;
                a = NibbleTables.group(weights, at, NibbleTables.scaled(levels, da * scale(lowA, highA, ib)), xLow, xHigh, a);
                b = NibbleTables.group(weights, at + gap, NibbleTables.scaled(levels, db * scale(lowB, highB, ib)), xLow, xHigh, b);
            }
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, 16);
    }

    /**
     * {@link #twoRowsWide}'s accumulation of each row in {@code [rowStart, rowEnd)} for two activation rows, {@code x}
     * into {@code out[outAt + r]} and {@code y} into {@code out[outAt + outStride + r]}: the
     * {@link KernelBarrier#ROWS_DOT_PAIR} kernel with {@link Species#WIDE}. Each sub-block's weights are looked up once
     * for both rows ({@link NibbleTables#rowsTimesTwo}'s way, with this format's scale per 32 weights), each row summed
     * in the one-row kernel's order, so the same bits as one dot per activation row.
     */
    static void rowsDotPairWide(MemorySegment weights, long offset, long rowBytes, float[] x, float[] y, int xOffset, int count,
                                float[] out, int outAt, int outStride, int rowStart, int rowEnd) {
        weights = NativeSegments.TYPE.cast(weights);
        var levels = NibbleTables.levels(NibbleTables.IQ4_NL_LEVELS);
        float[] lanes = Scratch.floats(Scratch.Slot.SUMS, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = offset + r * rowBytes;
            var a = FloatVector.zero(NibbleTables.WIDE);
            var b = FloatVector.zero(NibbleTables.WIDE);
            for (int k = 0; k < count; k += QK_K) {
                long block = row + (long) (k / QK_K) * BLOCK_BYTES;
                float d = KQuants.half(weights, block);
                int low = lowScaleBits(weights, block);
                int high = highScaleBits(weights, block);
                for (int ib = 0; ib < GROUPS; ib++) {
                    int i = xOffset + k + 32 * ib;
                    var table = NibbleTables.scaled(levels, d * scale(low, high, ib));
                    var nibbles = widen16(weights, block + NIBBLES + 16 * ib);
                    var lowWeights = NibbleTables.lookUp(nibbles, table);
                    var highWeights = NibbleTables.lookUp(nibbles.lanewise(VectorOperators.ASHR, 4), table);
                    a = highWeights.fma(FloatVector.fromArray(NibbleTables.WIDE, x, i + 16),
                            lowWeights.fma(FloatVector.fromArray(NibbleTables.WIDE, x, i), a));
                    b = highWeights.fma(FloatVector.fromArray(NibbleTables.WIDE, y, i + 16),
                            lowWeights.fma(FloatVector.fromArray(NibbleTables.WIDE, y, i), b));
                }
            }
            a.intoArray(lanes, 0);
            b.intoArray(lanes, 16);
            out[outAt + r] = Lanes.sumOfTwo(lanes, 0);
            out[outAt + outStride + r] = Lanes.sumOfTwo(lanes, 16);
        }
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's {@code quantize_row_iq4_xs_ref} ({@code quantize_row_iq4_nl_impl} over 256 weights, no
     * importance weights, 7 tries each way): 1. {@link IQ4_NLFormat#fitScale} per 32 weights; 2.
     * {@code d = -max / 32} of the scale with the largest magnitude; 3. each sub-block scale to 6 bits
     * against the unrounded {@code d}, then its weights re-mapped to levels with that rounded scale.
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        byte[] levels = new byte[QK_K];
        float[] scales = new float[QK_K / 32];
        byte[] scalesLow = new byte[4];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += QK_K, block += BLOCK_BYTES) {
            float maxScale = 0;
            float amaxScale = 0;
            for (int ib = 0; ib < QK_K / 32; ib++) {
                scales[ib] = IQ4_NLFormat.fitScale(x, xb + 32 * ib, levels, 32 * ib, 7);
                float abs = Math.abs(scales[ib]);
                if (abs > amaxScale) {
                    amaxScale = abs;
                    maxScale = scales[ib];
                }
            }
            float d = -maxScale / 32;
            float id = d != 0 ? 1 / d : 0f;
            int scalesHigh = 0;
            for (int ib = 0; ib < QK_K / 32; ib++) {
                int l = Math.max(-32, Math.min(31, KQuants.nearestInt(id * scales[ib])));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0f;
                for (int j = 0; j < 32; j++) {
                    levels[32 * ib + j] = (byte) IQ4_NLFormat.nearestLevel(idl * x[xb + 32 * ib + j]);
                }
                l += 32;
                if (ib % 2 == 0) {
                    scalesLow[ib / 2] = (byte) (l & 0xF);
                } else {
                    scalesLow[ib / 2] |= (byte) ((l & 0xF) << 4);
                }
                scalesHigh |= (l >> 4) << (2 * ib);
            }
            KQuants.putHalf(dst, block, d);
            dst.set(KQuants.LE_SHORT, block + 2, (short) scalesHigh);
            MemorySegment.copy(scalesLow, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, block + 4, 4);
            for (int ib = 0; ib < QK_K / 32; ib++) {
                IQ4_NLFormat.packNibbles(levels, 32 * ib, dst, block + 8 + 16 * ib);
            }
        }
    }
}
