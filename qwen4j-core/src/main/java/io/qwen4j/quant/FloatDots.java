package io.qwen4j.quant;

import io.qwen4j.simd.Lanes;
import io.qwen4j.simd.NativeSegments;
import io.qwen4j.simd.Species;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one F32 accumulation order every block format's dot and matmul share, so that a batched matmul
 * gives bit-for-bit the same numbers as one dot per row (prefill equals step-by-step decode).
 *
 * <p>The order: two 8-lane accumulators; accumulator {@code k} receives, by FMA and in increasing
 * element order, the 8 products at element offsets {@code 16c + 8k}. A fused kernel may visit blocks in
 * any layout order as long as each accumulator sees its vectors in increasing element order. Two (not
 * four) accumulators let a kernel's loop body handle as little as 16 weights, which keeps C2's
 * per-method node budget from being exceeded (past it, vectors get boxed and kernels run 5-10x
 * slower). The lanes are summed by {@link #sum} in a fixed tree: {@code reduceLanes} may reorder float
 * additions between the interpreter and compiled code.
 *
 * <p>Loops are written {@code for (; i + 16 <= n; i += 16)}, which C2 does not turn into a counted loop: each
 * vector load keeps its range check, but the loop is not unrolled. Written as {@code i < n - 15}, the
 * checks were hoisted and C2 unrolled the batched kernel (then two rows by two) four times, spilling vectors
 * to the stack: batched F32 at 24-26 instead of 37-39 GFLOP/s ({@code bench matmul --types f32 --batch 8,32 -t 1}).
 */
final class FloatDots {

    static final VectorSpecies<Float> F = Species.FLOATS;

    /**
     * Floats before the data of each row the batched kernel reads (decoded weight rows, activation rows). A
     * {@code float[]}'s data starts 16 bytes past the array's address, so with objects aligned to 32 bytes
     * ({@code -XX:ObjectAlignmentInBytes=32}, which the launcher sets) data from index 4 is 32-byte aligned
     * and no 8-lane load straddles two cache lines; a straddling load costs the core two loads, and the
     * batched kernel is bound by loads. Without that flag rows are as aligned as before (8 bytes).
     */
    static final int LEAD = 4;
    /** Floats of the column blocks {@link #decodedRowsTimesBatch} takes (a multiple of 32: see there). */
    static final int COLUMN_BLOCK = 1024;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FloatDots() {
    }

    /**
     * Dot of {@code n} floats of {@code w} and {@code x} in the shared order; when {@code n} is not a multiple
     * of 16 (only unquantized rows can be), the last {@code n % 16} products are added after the lanes, in
     * element order.
     *
     * <p>Unrolled four times on purpose: besides saving loop overhead, it puts the method over C2's
     * inlining size limit (FreqInlineSize, 325 bytecodes), so it is always compiled on its own. Inlined
     * into a caller that already holds a big vectorised decoder (a batched matmul), it hit that caller's
     * node budget and its vectors were boxed: Q6_K batched matmul ran at half speed, allocating.
     */
    static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 64 <= n; i += 64) {
            acc0 = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromArray(F, w, wOff + i + 8).fma(FloatVector.fromArray(F, x, xOff + i + 8), acc1);
            acc0 = FloatVector.fromArray(F, w, wOff + i + 16).fma(FloatVector.fromArray(F, x, xOff + i + 16), acc0);
            acc1 = FloatVector.fromArray(F, w, wOff + i + 24).fma(FloatVector.fromArray(F, x, xOff + i + 24), acc1);
            acc0 = FloatVector.fromArray(F, w, wOff + i + 32).fma(FloatVector.fromArray(F, x, xOff + i + 32), acc0);
            acc1 = FloatVector.fromArray(F, w, wOff + i + 40).fma(FloatVector.fromArray(F, x, xOff + i + 40), acc1);
            acc0 = FloatVector.fromArray(F, w, wOff + i + 48).fma(FloatVector.fromArray(F, x, xOff + i + 48), acc0);
            acc1 = FloatVector.fromArray(F, w, wOff + i + 56).fma(FloatVector.fromArray(F, x, xOff + i + 56), acc1);
        }
        for (; i + 16 <= n; i += 16) {
            acc0 = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromArray(F, w, wOff + i + 8).fma(FloatVector.fromArray(F, x, xOff + i + 8), acc1);
        }
        float sum = sum(acc0, acc1);
        for (; i < n; i++) {
            sum += w[wOff + i] * x[xOff + i];
        }
        return sum;
    }

    /**
     * The calling thread's copy of {@code batch} activation rows of {@code cols} floats ({@link Scratch#rows}),
     * each holding its row from index {@link #LEAD}, as the kernels here read them fastest.
     */
    static float[][] alignedRows(float[] x, int batch, int cols) {
        float[][] rows = Scratch.rows(batch, LEAD + cols);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x, b * cols, rows[b], LEAD, cols);
        }
        return rows;
    }

    /** Writes weight row {@code r} of a matrix, decoded, into {@code dst} from index {@code at}. */
    @FunctionalInterface
    interface RowDecoder {
        void decode(int r, float[] dst, int at);
    }

    /**
     * Rows {@code rowStart..rowEnd} of a batched matmul over decoded rows: three rows are decoded at a time
     * and multiplied with pairs of activation rows by {@link Tile3x2} (when one or two rows are left, the
     * tile repeats the last of them and its extra sums are dropped); an odd last activation row gets its
     * dot. Every result equals that dot of its decoded row and activation row.
     *
     * <p>The columns are taken in blocks of {@link #COLUMN_BLOCK} floats: every pair of activation rows runs
     * the tile over one block before any runs over the next, each pair's accumulators kept between blocks.
     * The three decoded rows' current block then stays in L1 while the activation rows stream past it; over
     * whole rows of 3072 columns (an FFN down projection) the three rows alone outgrew L1 and batch 32 ran at
     * ~58 instead of ~80 GFLOP/s ({@code bench matmul --types q8_0 --batch 32 --cols 3072} vs {@code 1024}).
     * Each accumulator still sees its FMAs in increasing element order, so the results are the same bits.
     *
     * @param rowFloats the floats one decoded row needs (a decoder may use room past {@code n})
     * @param xRows     the activation rows, each an array of its own ({@link Scratch#rows}) holding its
     *                  floats from index {@link #LEAD}, as the tile runs fastest on them (weight rows are
     *                  decoded to the same index)
     * @param n         the floats of an activation row
     */
    static void decodedRowsTimesBatch(RowDecoder rows, int rowFloats, float[][] xRows, int n, int batch,
                                      float[] out, int outStride, int rowStart, int rowEnd) {
        int lead = LEAD;
        float[] w0 = Scratch.floats(Scratch.Slot.ROW, lead + rowFloats);
        float[] w1 = Scratch.floats(Scratch.Slot.SECOND_ROW, lead + rowFloats);
        float[] w2 = Scratch.floats(Scratch.Slot.THIRD_ROW, lead + rowFloats);
        int pairs = batch / 2;
        int vectorPart = n - n % 16;
        boolean blocked = vectorPart > COLUMN_BLOCK;
        float[] acc = Scratch.floats(Scratch.Slot.SUMS, Math.max(pairs, 1) * Tile3x2.SUMS);
        for (int r = rowStart; r < rowEnd; r += 3) {
            int count = Math.min(3, rowEnd - r);
            rows.decode(r, w0, lead);
            if (count > 1) {
                rows.decode(r + 1, w1, lead);
            }
            if (count > 2) {
                rows.decode(r + 2, w2, lead);
            }
            float[] second = count > 1 ? w1 : w0;
            float[] third = count > 2 ? w2 : second;
            if (blocked) {
                blockedTimesPairs(w0, second, third, xRows, pairs, vectorPart, n, acc, out, outStride, r, count);
            } else {
                for (int p = 0; p < pairs; p++) {
                    Tile3x2.dot(w0, second, third, xRows[2 * p], xRows[2 * p + 1], lead, n, acc);
                    writeTile(acc, 0, out, 2 * p * outStride + r, outStride, count);
                }
            }
            int b = 2 * pairs;
            if (b < batch) {
                out[b * outStride + r] = dot(w0, lead, xRows[b], lead, n);
                if (count > 1) {
                    out[b * outStride + r + 1] = dot(w1, lead, xRows[b], lead, n);
                }
                if (count > 2) {
                    out[b * outStride + r + 2] = dot(w2, lead, xRows[b], lead, n);
                }
            }
        }
    }

    /**
     * One set of three decoded rows times every pair of activation rows, the columns in blocks of
     * {@link #COLUMN_BLOCK}: the {@code blocked} pass of {@link #decodedRowsTimesBatch}.
     */
    private static void blockedTimesPairs(float[] w0, float[] w1, float[] w2, float[][] xRows, int pairs, int vectorPart,
                                          int n, float[] acc, float[] out, int outStride, int r, int count) {
        java.util.Arrays.fill(acc, 0, pairs * Tile3x2.SUMS, 0f);
        for (int start = 0; start < vectorPart; start += COLUMN_BLOCK) {
            int length = Math.min(COLUMN_BLOCK, vectorPart - start);
            for (int p = 0; p < pairs; p++) {
                Tile3x2.accumulate(w0, w1, w2, xRows[2 * p], xRows[2 * p + 1], LEAD + start, length, acc, p * Tile3x2.SUMS);
            }
        }
        for (int p = 0; p < pairs; p++) {
            Tile3x2.sums(w0, w1, w2, xRows[2 * p], xRows[2 * p + 1], LEAD, n, acc, p * Tile3x2.SUMS);
            writeTile(acc, p * Tile3x2.SUMS, out, 2 * p * outStride + r, outStride, count);
        }
    }

    /** A tile's sums ({@code sums[at..at+5]}) to rows {@code r..r+count-1} of two activation rows' outputs from {@code to}. */
    private static void writeTile(float[] sums, int at, float[] out, int to, int outStride, int count) {
        int next = to + outStride;
        out[to] = sums[at];
        out[next] = sums[at + 1];
        if (count > 1) {
            out[to + 1] = sums[at + 2];
            out[next + 1] = sums[at + 3];
        }
        if (count > 2) {
            out[to + 2] = sums[at + 4];
            out[next + 2] = sums[at + 5];
        }
    }

    /**
     * {@link #dot} with little-endian F32 weights read straight from a segment: the same order, so an F32
     * row gives what the decoded formats give for the same floats.
     */
    static float dot(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        w = NativeSegments.TYPE.cast(w);
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            acc0 = load(w, wOff, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = load(w, wOff, i + 8).fma(FloatVector.fromArray(F, x, xOff + i + 8), acc1);
            acc0 = load(w, wOff, i + 16).fma(FloatVector.fromArray(F, x, xOff + i + 16), acc0);
            acc1 = load(w, wOff, i + 24).fma(FloatVector.fromArray(F, x, xOff + i + 24), acc1);
        }
        for (; i + 16 <= n; i += 16) {
            acc0 = load(w, wOff, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = load(w, wOff, i + 8).fma(FloatVector.fromArray(F, x, xOff + i + 8), acc1);
        }
        float sum = sum(acc0, acc1);
        for (; i < n; i++) {
            sum += w.get(LE_FLOAT, wOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    private static FloatVector load(MemorySegment w, long wOff, int i) {
        w = NativeSegments.TYPE.cast(w);
        return FloatVector.fromMemorySegment(F, w, wOff + 4L * i, ByteOrder.LITTLE_ENDIAN);
    }

    /** Adds the two accumulators and their lanes in a fixed order ({@link Lanes#sum}). */
    static float sum(FloatVector acc0, FloatVector acc1) {
        return Lanes.sum(acc0.add(acc1));
    }
}
