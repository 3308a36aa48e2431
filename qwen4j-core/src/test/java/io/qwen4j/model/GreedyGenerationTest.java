package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tensor.TensorType;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * End to end: greedy generation through the KV cache against the reference teacher-forced on the generated
 * text, as the outside checks do (chosen token within 0.01 logits of the reference argmax; log-probs within
 * 0.01).
 */
class GreedyGenerationTest {

    @Test
    void greedyStepsMatchTeacherForcedReference() {
        for (ModelConfig config : List.of(Models.qwen2(true), Models.qwen3(false, new RopeScaling.Yarn(2, 8)),
                Models.qwen3Moe(false))) {
            var weights = Models.weights(config, TensorType.BF16, 77);
            Model model = Architectures.load(config, weights, Models.POOL);
            int[] prompt = Models.tokens(6, 5, config.vocabSize());
            var generation = new Generator(model).start(prompt, Models.cache(config),
                    new GenerationRequest(SamplingParams.greedy(), 8, Set.of()));
            List<GenerationStep> steps = generation.drain(s -> { });
            assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow());
            int[] all = Arrays.copyOf(prompt, prompt.length + steps.size());
            for (int i = 0; i < steps.size(); i++) {
                all[prompt.length + i] = steps.get(i).token();
            }
            double[][] reference = new ReferenceModel(config, weights.tensors).logits(all);
            for (int i = 0; i < steps.size(); i++) {
                double[] row = reference[prompt.length - 1 + i];
                double max = Arrays.stream(row).max().orElseThrow();
                double lse = max + Math.log(Arrays.stream(row).map(v -> Math.exp(v - max)).sum());
                int token = steps.get(i).token();
                String where = config.architecture() + " step " + i;
                assertEquals(max, row[token], 0.01, where + ": chosen token is not the reference argmax");
                assertEquals(row[token] - lse, steps.get(i).logprob(), 0.01, where + " logprob");
            }
        }
    }
}
