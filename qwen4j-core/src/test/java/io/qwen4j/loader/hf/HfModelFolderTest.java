package io.qwen4j.loader.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Logits;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An HF folder runs with the same logits as the same weights written as an F32 GGUF. */
class HfModelFolderTest {

    static final int[] PROMPT = {970, 11, 187, 0, 1001, 872, 198, 383, 374, 220};

    @TempDir
    Path dir;

    /** Logits of every prompt position, flattened. */
    static float[] logits(LoadedModel m) {
        var cache = ContiguousKvCache.forContext(m.config(), KvCacheType.F32, 64);
        Logits l = m.model().forward(new ForwardBatch(List.of(new ForwardBatch.Sequence(PROMPT, 0, cache)),
                ForwardBatch.LogitsWanted.ALL));
        int n = l.rowCount(0) * l.vocabSize();
        float[] out = new float[n];
        System.arraycopy(l.data(), l.offset(0, 0), out, 0, n);
        return out;
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    double compare(HfFixture.Spec spec) throws Exception {
        Path hf = dir.resolve("hf-" + spec.modelType() + "-" + spec.dtype());
        Path gguf = dir.resolve(spec.modelType() + "-" + spec.dtype() + ".gguf");
        HfFixture.write(spec, hf, gguf);
        var options = LoadOptions.defaults().withThreads(2);
        try (LoadedModel fromHf = ModelLoader.load(hf, options); LoadedModel fromGguf = ModelLoader.load(gguf, options)) {
            assertEquals(fromGguf.config(), fromHf.config());
            float[] expected = logits(fromGguf);
            double spread = 0;
            for (float v : expected) {
                spread = Math.max(spread, Math.abs(v));
            }
            assertTrue(spread > 1, "logits should not be degenerate, max |logit| " + spread);
            return maxDiff(logits(fromHf), expected);
        }
    }

    @Test
    void qwen2Bf16MatchesGguf() throws Exception {
        double d = compare(HfFixture.qwen2("BF16"));
        assertTrue(d < 1e-3, "max logit difference " + d);
    }

    @Test
    void qwen3F16TiedMatchesGguf() throws Exception {
        double d = compare(HfFixture.qwen3("F16"));
        assertTrue(d < 1e-3, "max logit difference " + d);
    }

    @Test
    void qwen3F32MatchesGguf() throws Exception {
        double d = compare(HfFixture.qwen3("F32"));
        assertTrue(d < 1e-3, "max logit difference " + d);
    }

    @Test
    void qwen3MoeShardedBf16MatchesGguf() throws Exception {
        double d = compare(HfFixture.qwen3Moe("BF16", 3));
        assertTrue(d < 1e-3, "max logit difference " + d);
    }

    @Test
    void qwen2MoeWithSharedExpertsShardedBf16MatchesGguf() throws Exception {
        double d = compare(HfFixture.qwen2Moe("BF16"));
        assertTrue(d < 1e-3, "max logit difference " + d);
    }

    @Test
    void qwen3Fp8WithF32ScalesIsWithinTolerance() throws Exception {
        double d = compare(HfFixture.qwen3("F8_E4M3"));
        assertTrue(d < 0.05, "max logit difference " + d);
    }

    @Test
    void qwen3MoeFp8WithBf16ScalesIsWithinTolerance() throws Exception {
        double d = compare(HfFixture.qwen3Moe("F8_E4M3", 2));
        assertTrue(d < 0.05, "max logit difference " + d);
    }

    @Test
    void generationConfigAndTokenizerAreRead() throws Exception {
        Path hf = dir.resolve("hf");
        HfFixture.write(HfFixture.qwen2("BF16").withRealTokenizer(), hf, dir.resolve("x.gguf"));
        try (LoadedModel m = ModelLoader.load(hf, LoadOptions.defaults().withThreads(1))) {
            assertEquals("hf", m.name());
            var p = m.samplingDefaults().forMode(true);
            assertEquals(0.6, p.temperature(), 1e-9);
            assertEquals(0.95, p.topP(), 1e-9);
            assertEquals(20, p.topK());
            assertTrue(m.endOfTurnIds().containsAll(Set.of(151_643, 151_645)));
            assertTrue(m.chatTemplate().isPresent());
            assertEquals(List.of(9707), java.util.Arrays.stream(m.tokenizer().encode("Hello")).boxed().toList());
            assertTrue(m.weightBytes() > 151_936L * 32 * 2);
        }
    }

    @Test
    void fp8TargetsAgreeWithTheReference() throws Exception {
        var spec = HfFixture.qwen3("F8_E4M3");
        Path hf = dir.resolve("fp8");
        Path gguf = dir.resolve("fp8.gguf");
        HfFixture.write(spec, hf, gguf);
        var options = LoadOptions.defaults().withThreads(2);
        try (LoadedModel exact = HfModelFolder.load(hf, options, TensorType.F32);
             LoadedModel ref = ModelLoader.load(gguf, options)) {
            // dequantized to F32 the FP8 weights are the reference's exact values
            assertTrue(maxDiff(logits(exact), logits(ref)) < 1e-3);
        }
    }
}
