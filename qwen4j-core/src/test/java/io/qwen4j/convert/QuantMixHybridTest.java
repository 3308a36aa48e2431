package io.qwen4j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * A hybrid (qwen35) model's convolution taps stay F32 under every target, as llama-quantize leaves them
 * ({@code ssm_conv1d} in its never-quantized list; llama.cpp's {@code ssm_conv} asserts F32), while its other
 * matrices follow the mix.
 */
class QuantMixHybridTest {

    @Test
    void convolutionTapsStayF32AndLinearAttentionMatricesAreQuantized() {
        for (String target : new String[] {"Q4_K_M", "Q8_0", "F16", "BF16"}) {
            var mix = new QuantMix(GgufTarget.parse(target), 4, 0, 2, false);
            assertEquals(TensorType.F32, mix.typeFor("blk.0.ssm_conv1d.weight", new long[] {4, 768}), target);
            assertEquals(TensorType.F32, mix.typeFor("blk.0.ssm_a", new long[] {8}), target);
        }
        var q4km = new QuantMix(GgufTarget.parse("Q4_K_M"), 4, 0, 2, false);
        assertEquals(TensorType.Q4_K, q4km.typeFor("blk.0.attn_qkv.weight", new long[] {256, 768}));
        assertEquals(TensorType.Q4_K, q4km.typeFor("blk.0.ssm_out.weight", new long[] {256, 256}));
    }
}
