package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.model.Model;
import io.qwen4j.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The request's constraint reaches the sampler: Generator.start wires it, Generation reports every token. */
class GeneratorConstraintTest {
    private static final int VOCAB = 16;

    /** Always prefers token 1 (logit 10), token 2 a little less, the rest 0. */
    private static final class FixedModel implements Model {
        final ModelConfig config = ModelConfig.builder("qwen3").hiddenSize(8).numLayers(1).numHeads(1)
                .numKeyValueHeads(1).headDim(8).intermediateSize(8).vocabSize(VOCAB).contextLength(64).build();

        @Override
        public ModelConfig config() {
            return config;
        }

        @Override
        public Logits forward(ForwardBatch batch) {
            float[] logits = new float[VOCAB];
            logits[1] = 10;
            logits[2] = 5;
            return new Logits(logits, VOCAB, new int[] {0}, new int[] {1});
        }
    }

    /** Allows the tokens of a fixed script in order, then only the end token 15. */
    private static final class Script implements TokenConstraint {
        final int[] script;
        final List<Integer> accepted = new ArrayList<>();

        Script(int... script) {
            this.script = script;
        }

        @Override
        public boolean allows(int token) {
            int next = accepted.size();
            return next < script.length ? token == script[next] : token == 15;
        }

        @Override
        public void accept(int token) {
            accepted.add(token);
        }
    }

    @Test
    void constrainedGenerationFollowsTheConstraintAndReportsEachToken() {
        var model = new FixedModel();
        var constraint = new Script(3, 2, 7);
        var request = new GenerationRequest(SamplingParams.greedy(), 10, Set.of(15)).withConstraint(constraint);
        var generation = new Generator(model).start(new int[] {4}, ContiguousKvCache.forContext(model.config(), KvCacheType.F32, 32), request);
        var steps = generation.drain(s -> { });
        assertArrayEquals(new int[] {3, 2, 7, 15}, steps.stream().mapToInt(GenerationStep::token).toArray());
        assertEquals(List.of(3, 2, 7, 15), constraint.accepted);
        assertEquals(FinishReason.STOP, generation.finishReason().orElseThrow());
    }
}
