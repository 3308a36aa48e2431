package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rotary angles far into the context, where YaRN's frequency blend matters (the model tests only reach
 * small positions), against the reference's own HF-formula implementation.
 */
class RotaryEmbeddingTest {

    @Test
    void anglesMatchHfFormulaAtLongPositions() {
        RopeScaling[] scalings = {RopeScaling.NONE, new RopeScaling.Yarn(4, 32768), new RopeScaling.Yarn(2.5, 4096, 16, 2)};
        for (RopeScaling scaling : scalings) {
            ModelConfig config = Models.qwen3(false, scaling).toBuilder().headDim(128).build();
            var reference = new ReferenceModel(config, Map.of());
            double[] invFreq = reference.inverseFrequencies();
            double scale = reference.attentionScaling();
            var rope = new RotaryEmbedding(config);
            float[] cos = new float[64];
            float[] sin = new float[64];
            for (int position : new int[] {0, 1, 1000, 30_000, 131_071}) {
                rope.angles(position, cos, sin, 0);
                for (int i = 0; i < 64; i++) {
                    String where = scaling + " position " + position + " pair " + i;
                    assertEquals(Math.cos(position * invFreq[i]) * scale, cos[i], 1e-5, where);
                    assertEquals(Math.sin(position * invFreq[i]) * scale, sin[i], 1e-5, where);
                }
            }
        }
        // YaRN x4: attention factor 0.1 ln 4 + 1
        assertEquals(1.1386294361, new ReferenceModel(Models.qwen3(false, new RopeScaling.Yarn(4, 32768)), Map.of())
                .attentionScaling(), 1e-9);
    }
}
