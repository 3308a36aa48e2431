package io.qwen4j.model;

import java.util.Arrays;

/**
 * The logits a forward pass returns: rows of {@code vocabSize} floats in one buffer, {@code rowCount(s)}
 * rows for sequence {@code s} starting at row {@code firstRow(s)}. The buffer is reused by the next
 * forward pass of the same model: copy what must outlive it. For {@link ForwardBatch.LogitsWanted#HIDDEN} the rows
 * are hidden states and {@code vocabSize} is their width, the model's hidden size.
 */
public record Logits(float[] data, int vocabSize, int[] firstRows, int[] rowCounts) {

    /** Offset in {@link #data} of row {@code row} of sequence {@code sequence}. */
    public int offset(int sequence, int row) {
        return (firstRows[sequence] + row) * vocabSize;
    }

    /** Offset of the last row of a sequence (its newest position). */
    public int lastOffset(int sequence) {
        return offset(sequence, rowCounts[sequence] - 1);
    }

    public int rowCount(int sequence) {
        return rowCounts[sequence];
    }

    public float[] copyLast(int sequence) {
        int off = lastOffset(sequence);
        return Arrays.copyOfRange(data, off, off + vocabSize);
    }

    public float[] copyRow(int sequence, int row) {
        int off = offset(sequence, row);
        return Arrays.copyOfRange(data, off, off + vocabSize);
    }
}
