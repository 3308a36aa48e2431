package io.qwen4j.quant;

import static io.qwen4j.quant.KQuants.QK_K;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q2_K: 256 weights in 84 bytes, {@code w = d * scale_j * q - dmin * min_j} with 2-bit {@code q} and a
 * 4-bit scale and 4-bit min per 16 weights.
 *
 * <p>Block ({@code block_q2_K}): 16 bytes of scales (low nibble scale, high nibble min), 64 bytes
 * {@code qs}, {@code d}, {@code dmin} (fp16). Per 128-weight half {@code n}, weight {@code 32j + l}
 * ({@code j} 0..3, {@code l} 0..31) is bits {@code 2j..2j+1} of {@code qs[32n + l]}, using scale byte
 * {@code 8n + 2j + l/16}.
 */
final class Q2_KFormat extends VectorBlockFormat {

    static final int BLOCK_BYTES = 84;
    private static final VectorSpecies<Float> F = FloatDots.F;
    private static final VectorSpecies<Integer> I = Species.INTS;
    private static final VectorSpecies<Byte> BYTES_16 = ByteVector.SPECIES_128;
    /** Lanes 0..3 take the first of two sub-block scales, lanes 4..7 the second. */
    private static final VectorShuffle<Float> PAIR = VectorShuffle.fromValues(F, 0, 0, 0, 0, 1, 1, 1, 1);
    /** {@link #rowDot} and {@link #decodeScaled} behind {@link KernelBarrier}s. */
    private final MethodHandle rowDotKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q2_KFormat.class, "rowDot", KernelBarrier.DOT_WITH_SIDE);
    private final MethodHandle decodeScaledKernel =
            KernelBarrier.find(MethodHandles.lookup(), Q2_KFormat.class, "decodeScaled", KernelBarrier.SCALED_DECODE);

    @Override
    public TensorType type() {
        return TensorType.Q2_K;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        requireWholeBlocks(count);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block + 80);
            float min = KQuants.half(src, block + 82);
            for (int half = 0; half < 2; half++) {
                long q = block + 16 + 32 * half;
                for (int j = 0; j < 4; j++) {
                    for (int part = 0; part < 2; part++) {
                        int sc = KQuants.u8(src, block + 8 * half + 2 * j + part);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            dst[out + l] = dl * ((KQuants.u8(src, q + 16 * part + l) >>> (2 * j)) & 3) - ml;
                        }
                        out += 16;
                    }
                }
            }
        }
    }

    @Override
    void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int count) {
        src = NativeSegments.TYPE.cast(src);
        int out = dstOffset;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            float d = KQuants.half(src, block + 80);
            float min = KQuants.half(src, block + 82);
            for (int half = 0; half < 2; half++) {
                long q = block + 16 + 32 * half;
                for (int j = 0; j < 4; j++) {
                    for (int part = 0; part < 2; part++) {
                        int sc = KQuants.u8(src, block + 8 * half + 2 * j + part);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l += 8) {
                            var levels = widen(src, q + 16 * part + l).lanewise(VectorOperators.ASHR, 2 * j).and(3);
                            toFloats(levels).mul(dl).sub(ml).intoArray(dst, out + l);
                        }
                        out += 16;
                    }
                }
            }
        }
    }

    /**
     * Fused dot with the mins factored out: per 16-weight sub-block {@code j},
     * {@code sum(w x) = sum(d scale_j q x) - dmin min_j * sum(x)}. The 2-bit levels need no repack: each
     * half's {@code qs} is read once as 8 int lanes, and byte {@code b} of lane {@code l} of
     * {@code qs >>> 2j} holds the level of weight {@code 32 j + 4 l + b}; x is read in the matching
     * order ({@link #permute}). The engine calls {@link #matmul}, which permutes x and sums
     * its sub-blocks once for all rows.
     */
    @Override
    public float dot(MemorySegment weights, long offset, float[] x, int xOffset, int count) {
        requireWholeBlocks(count);
        float[] permuted = new float[count];
        permute(x, xOffset, permuted, 0, count);
        float[] side = new float[3 * (count / 16)];
        subBlockSums(x, xOffset, count, side, 2 * (count / 16));
        unpackFactors(weights, offset, count, side);
        return KernelBarrier.dot(rowDotKernel, weights, offset, permuted, 0, count, side);
    }

    /**
     * x is permuted ({@link #permute}) and summed per sub-block once per call. One
     * {@link #rowDot} per row for a single activation row; for more, each row is decoded once in that
     * order and extended by its mins ({@link #decodeScaled}), and multiplied, two rows at a time, by pairs of activation rows,
     * each permuted and extended by its x sums, per pass ({@link FloatDots#decodedRowsTimesBatch}): the operations of
     * {@link #rowDot}, so every result equals {@link #dot} bit for bit.
     */
    @Override
    public void matmul(MemorySegment weights, long offset, int cols, float[] x, int batch,
                       float[] out, int outStride, int rowStart, int rowEnd) {
        requireWholeBlocks(cols);
        long rowBytes = type().bytesFor(cols);
        int subs = cols / 16;
        float[] side = Scratch.floats(Scratch.Slot.ROW_SIDE, 3 * subs);
        // each activation row permuted and extended by its x sums, as rowDot reads it
        int n = cols + subs;
        int lead = FloatDots.LEAD;
        float[][] xExtended = Scratch.rows(batch, lead + n);
        for (int b = 0; b < batch; b++) {
            permute(x, b * cols, xExtended[b], lead, cols);
            subBlockSums(x, b * cols, cols, xExtended[b], lead + cols);
        }
        if (batch == 1) {
            System.arraycopy(xExtended[0], lead + cols, side, 2 * subs, subs);
            for (int r = rowStart; r < rowEnd; r++) {
                long row = offset + r * rowBytes;
                unpackFactors(weights, row, cols, side);
                out[r] = KernelBarrier.dot(rowDotKernel, weights, row, xExtended[0], lead, cols, side);
            }
            return;
        }
        FloatDots.decodedRowsTimesBatch((r, w, at) -> {
            long row = offset + r * rowBytes;
            unpackFactors(weights, row, cols, side);
            KernelBarrier.decodeScaled(decodeScaledKernel, weights, row, cols, w, at, side);
        }, n, xExtended, n, batch, out, outStride, rowStart, rowEnd);
    }

    /** x's sums per 16 elements (two vectors added, then {@link Lanes#sum}), into {@code sums} from {@code at}. */
    static void subBlockSums(float[] x, int xOffset, int count, float[] sums, int at) {
        for (int k = 0, s = at; k < count; k += 16, s++) {
            sums[s] = Lanes.sum(FloatVector.fromArray(F, x, xOffset + k).add(FloatVector.fromArray(F, x, xOffset + k + 8)));
        }
    }

    /**
     * A row's factors per 16-weight sub-block: {@code d * scale_j} in {@code [0, count / 16)}, then
     * {@code -(dmin * min_j)}; x's sub-block sums follow, put there by the caller.
     */
    static void unpackFactors(MemorySegment w, long offset, int count, float[] factors) {
        w = NativeSegments.TYPE.cast(w);
        int j = 0;
        int mins = count / 16;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES, j += 16) {
            float d = KQuants.half(w, block + 80);
            float min = KQuants.half(w, block + 82);
            // 16 bytes, each a sub-block's scale (low nibble) and min (high nibble), 8 sub-blocks per vector
            var packed = ByteVector.fromMemorySegment(BYTES_16, w, block, ByteOrder.LITTLE_ENDIAN);
            var scales = packed.and((byte) 0xF);
            var minimums = packed.lanewise(VectorOperators.LSHR, 4);
            for (int part = 0; part < 2; part++) {
                ((FloatVector) scales.convertShape(VectorOperators.B2F, F, part)).mul(d)
                        .intoArray(factors, j + 8 * part);
                ((FloatVector) minimums.convertShape(VectorOperators.B2F, F, part)).mul(min).neg()
                        .intoArray(factors, mins + j + 8 * part);
            }
        }
    }

    /**
     * The dot of one row in its own order ({@link #permute}), {@link FloatDots}' order over
     * that row extended by its mins: per 32 weights, {@code qs >>> 2j} gives, byte by byte, 4 vectors of
     * levels, each times the two sub-blocks' scales (lanes 0..3 and 4..7) and FMAed into accumulator
     * 0, 1, 0, 1; then the mins {@code -(dmin min_j)} times x's sub-block sums.
     *
     * @param x the activations permuted by {@link #permute}
     * @param side the row's scales and mins ({@link #unpackFactors}), then x's sub-block sums
     */
    private static float rowDot(MemorySegment weights, long offset, float[] x, int xOffset, int count, float[] side) {
        weights = NativeSegments.TYPE.cast(weights);
        int subs = count / 16;
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int xs = xOffset;
        int j = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (long at = block + 16; at < block + 80; at += 32) {
                var packed = IntVector.fromMemorySegment(I, weights, at, ByteOrder.LITTLE_ENDIAN);
                for (int g = 0; g < 4; g++) {
                    // by a counter, not a step per iteration: VectorBlockFormat's "Vectors not carried by loops"
                    var q = packed.lanewise(VectorOperators.LSHR, 2 * g);
                    var scale = FloatVector.fromArray(F, side, j).rearrange(PAIR);
                    acc0 = toFloats(q.and(3)).mul(scale).fma(FloatVector.fromArray(F, x, xs), acc0);
                    acc1 = toFloats(q.lanewise(VectorOperators.LSHR, 8).and(3)).mul(scale)
                            .fma(FloatVector.fromArray(F, x, xs + 8), acc1);
                    acc0 = toFloats(q.lanewise(VectorOperators.LSHR, 16).and(3)).mul(scale)
                            .fma(FloatVector.fromArray(F, x, xs + 16), acc0);
                    acc1 = toFloats(q.lanewise(VectorOperators.LSHR, 24).and(3)).mul(scale)
                            .fma(FloatVector.fromArray(F, x, xs + 24), acc1);
                    j += 2;
                    xs += 32;
                }
            }
        }
        // the mins times the x sums, continuing FloatDots.dot's order (its scalar tail included)
        int mins = subs;
        int sums = 2 * subs;
        int i = 0;
        for (; i + 16 <= subs; i += 16) {
            acc0 = FloatVector.fromArray(F, side, mins + i).fma(FloatVector.fromArray(F, side, sums + i), acc0);
            acc1 = FloatVector.fromArray(F, side, mins + i + 8).fma(FloatVector.fromArray(F, side, sums + i + 8), acc1);
        }
        float sum = FloatDots.sum(acc0, acc1);
        for (; i < subs; i++) {
            sum += side[mins + i] * side[sums + i];
        }
        return sum;
    }

    /**
     * One row as {@link #rowDot} multiplies it, for the batched matmul: {@code d scale_j q} in its
     * permuted order, then {@code -(dmin min_j)} per sub-block, from the row's factors
     * ({@link #unpackFactors}); {@code count + count / 16} floats into {@code scaled} from index {@code from}.
     */
    private static void decodeScaled(MemorySegment weights, long offset, int count, float[] scaled, int from, float[] side) {
        weights = NativeSegments.TYPE.cast(weights);
        int out = from;
        int j = 0;
        for (long block = offset, end = offset + (long) count / QK_K * BLOCK_BYTES; block < end; block += BLOCK_BYTES) {
            for (long at = block + 16; at < block + 80; at += 32) {
                var packed = IntVector.fromMemorySegment(I, weights, at, ByteOrder.LITTLE_ENDIAN);
                for (int g = 0; g < 4; g++) {
                    var q = packed.lanewise(VectorOperators.LSHR, 2 * g);
                    var scale = FloatVector.fromArray(F, side, j).rearrange(PAIR);
                    toFloats(q.and(3)).mul(scale).intoArray(scaled, out);
                    toFloats(q.lanewise(VectorOperators.LSHR, 8).and(3)).mul(scale).intoArray(scaled, out + 8);
                    toFloats(q.lanewise(VectorOperators.LSHR, 16).and(3)).mul(scale).intoArray(scaled, out + 16);
                    toFloats(q.lanewise(VectorOperators.LSHR, 24).and(3)).mul(scale).intoArray(scaled, out + 24);
                    j += 2;
                    out += 32;
                }
            }
        }
        System.arraycopy(side, count / 16, scaled, from + count, count / 16);
    }

    @Override
    public boolean canQuantize() {
        return true;
    }

    /**
     * ggml's {@code quantize_row_q2_K_ref}: 1. a scale and min per 16 weights by {@code make_qkx2_quants}
     * (weights |x|, absolute-error criterion); 2. both to 4 bits against the largest of each ({@code d},
     * {@code dmin}); 3. requantize every weight with the stored values (a sub-block whose scale is 0
     * keeps its first levels).
     */
    @Override
    public void quantize(float[] x, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        requireWholeBlocks(count);
        byte[] levels = new byte[QK_K];
        byte[] levelsAux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[QK_K / 16];
        float[] scales = new float[QK_K / 16];
        byte[] packedScales = new byte[16];
        long block = dstOffset;
        for (int xb = srcOffset; xb < srcOffset + count; xb += QK_K, block += BLOCK_BYTES) {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                for (int l = 0; l < 16; l++) {
                    weights[l] = Math.abs(x[xb + 16 * j + l]);
                }
                scales[j] = KQuants.makeQkx2Quants(16, 3, x, xb + 16 * j, weights, levels, 16 * j, mins, j, levelsAux,
                        -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin) {
                    maxMin = mins[j];
                }
            }
            java.util.Arrays.fill(packedScales, (byte) 0);
            float d = 0;
            if (maxScale > 0) {
                float iscale = 15f / maxScale;
                for (int j = 0; j < QK_K / 16; j++) {
                    packedScales[j] = (byte) KQuants.nearestInt(iscale * scales[j]);
                }
                d = maxScale / 15f;
            }
            float dmin = 0;
            if (maxMin > 0) {
                float iscale = 15f / maxMin;
                for (int j = 0; j < QK_K / 16; j++) {
                    packedScales[j] |= (byte) (KQuants.nearestInt(iscale * mins[j]) << 4);
                }
                dmin = maxMin / 15f;
            }
            MemorySegment.copy(packedScales, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, block, 16);
            KQuants.putHalf(dst, block + 80, d);
            KQuants.putHalf(dst, block + 82, dmin);
            float storedD = KQuants.half(dst, block + 80);
            float storedMin = KQuants.half(dst, block + 82);
            for (int j = 0; j < QK_K / 16; j++) {
                float dj = storedD * (packedScales[j] & 0xF);
                if (dj == 0) {
                    continue;
                }
                float dm = storedMin * ((packedScales[j] & 0xFF) >>> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = KQuants.nearestInt((x[xb + 16 * j + ii] + dm) / dj);
                    levels[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            KQuants.packTwoBits(levels, dst, block + 16);
        }
    }

    /**
     * {@code x} in {@link #rowDot}'s order: within each 32 elements, element {@code 4 j + b} (int lane
     * {@code j}, byte {@code b} of the lane) moves to {@code 8 b + j}.
     */
    static void permute(float[] x, int xOffset, float[] dst, int dstOffset, int count) {
        for (int k = 0; k < count; k += 32) {
            int from = xOffset + k;
            int to = dstOffset + k;
            for (int b = 0; b < 4; b++) {
                for (int j = 0; j < 8; j++) {
                    dst[to + 8 * b + j] = x[from + 4 * j + b];
                }
            }
        }
    }
}
