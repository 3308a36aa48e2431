package io.qwen4j.engine;

import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * A fake model for the generation loop's bookkeeping: after token {@code t} it puts logit 10 on {@code next(t)} and 0
 * elsewhere, for each row the pass asks for; it records every pass's tokens and start position.
 */
public final class ScriptedModel implements Model {

    public static final int VOCAB = 16;

    private final ModelConfig config = ModelConfig.builder("qwen3").hiddenSize(8).numLayers(1).numHeads(1)
            .numKeyValueHeads(1).headDim(8).intermediateSize(8).vocabSize(VOCAB).contextLength(64).build();
    private final IntUnaryOperator next;
    public final List<int[]> fed = new ArrayList<>();
    public final List<Integer> positions = new ArrayList<>();

    public ScriptedModel(IntUnaryOperator next) {
        this.next = next;
    }

    /** The next token is always (last + 1) mod vocab. */
    public static ScriptedModel counting() {
        return new ScriptedModel(t -> (t + 1) % VOCAB);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Logits forward(ForwardBatch batch) {
        var seq = batch.sequences().getFirst();
        fed.add(seq.tokens());
        positions.add(seq.startPosition());
        int rows = seq.logitRows();
        float[] logits = new float[rows * VOCAB];
        for (int r = 0; r < rows; r++) {
            logits[r * VOCAB + next.applyAsInt(seq.tokens()[seq.tokens().length - rows + r])] = 10;
        }
        return new Logits(logits, VOCAB, new int[] {0}, new int[] {rows});
    }
}
