package io.qwen4j.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.chat.template.ChatTemplate;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Model;
import io.qwen4j.synth.SyntheticModelWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background kernel warm-up and the lazily parsed chat template of {@link ModelLoader}. */
class KernelWarmupTest {

    @TempDir
    static Path dir;
    /** Written once: synthesizing a model with the real 151k vocabulary dominates this class's time. */
    private static Path qwen3;

    @BeforeAll
    static void writeModel() throws Exception {
        qwen3 = model("qwen3");
    }

    private static Path model(String arch) throws Exception {
        Path file = dir.resolve(arch + ".gguf");
        SyntheticModelWriter.write(ModelLoaderTest.spec(arch, false, null), file);
        return file;
    }

    private static float[] logits(Model model, int[] prompt) {
        var cache = ContiguousKvCache.forContext(model.config(), KvCacheType.F32, prompt.length + 1);
        float[] prefill = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(prompt, 0, cache))).copyLast(0);
        float[] step = model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {42}, prompt.length, cache)))
                .copyLast(0);
        float[] both = new float[prefill.length + step.length];
        System.arraycopy(prefill, 0, both, 0, prefill.length);
        System.arraycopy(step, 0, both, prefill.length, step.length);
        return both;
    }

    @Test
    void warmupDoesNotChangeTheModelsResults() throws Exception {
        Path file = qwen3;
        int[] prompt = {9707, 11, 1879, 0, 151_643};
        float[] cold;
        try (LoadedModel m = ModelLoader.load(file, LoadOptions.defaults().withThreads(2).withoutWarmup())) {
            assertFalse(m.model() instanceof WarmedModel, "no warm-up was asked for");
            cold = logits(m.model(), prompt);
        }
        try (LoadedModel m = ModelLoader.load(file, LoadOptions.defaults().withThreads(2))) {
            WarmedModel warmed = assertInstanceOf(WarmedModel.class, m.model());
            Thread.sleep(200); // let it run passes concurrently with the real ones below
            float[] warm = logits(m.model(), prompt);
            // The warm-up has its own one-layer model, buffers and caches: nothing it does reaches these logits.
            // Only JIT state differs (compiled vs interpreted lane reductions), i.e. float rounding.
            assertEquals(cold.length, warm.length);
            for (int i = 0; i < cold.length; i++) {
                assertEquals(cold[i], warm[i], 1e-4f * Math.max(1, Math.abs(cold[i])), "logit " + i);
            }
            warmed.warmup().stopAndWait();
            assertFalse(warmed.warmup().isRunning());
            assertTrue(warmed.warmup().passes() > 0, "the warm-up ran at least one pass");
            assertTrue(warmed.warmup().failure().isEmpty(), () -> "warm-up failed: " + warmed.warmup().failure());
        }
    }

    @Test
    void firstRealPassStopsTheWarmupAndCloseWaitsForIt() throws Exception {
        Path file = model("qwen3moe");
        LoadedModel m = ModelLoader.load(file, LoadOptions.defaults().withThreads(1));
        WarmedModel warmed = assertInstanceOf(WarmedModel.class, m.model());
        logits(m.model(), new int[] {1, 2, 3});
        m.close(); // joins the warm-up before unmapping: no pass may read a closed mapping
        assertFalse(warmed.warmup().isRunning());
        assertTrue(warmed.warmup().failure().isEmpty(), () -> "warm-up failed: " + warmed.warmup().failure());
    }

    @Test
    void warmupModelSeesTheFirstRowsOfTheEmbeddingWithTheRealTypes() throws Exception {
        Path file = qwen3;
        try (GgufFile gguf = GgufFile.open(file)) {
            var weights = new GgufWeights(gguf);
            var cut = new KernelWarmup.FirstRows(weights, KernelWarmup.VOCAB_ROWS);
            var real = gguf.tensor("token_embd.weight");
            var small = cut.tensor("token_embd.weight");
            assertEquals(real.type(), small.type());
            assertArrayEquals(new long[] {real.dim(0), KernelWarmup.VOCAB_ROWS}, small.shape());
            byte[] expected = real.data().asSlice(0, real.rowBytes() * KernelWarmup.VOCAB_ROWS)
                    .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertArrayEquals(expected, small.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            // every other tensor is the file's own
            assertEquals(gguf.tensor("blk.0.attn_q.weight").data().address(),
                    cut.tensor("blk.0.attn_q.weight").data().address());
        }
    }

    @Test
    void chatTemplateIsParsedOnFirstUseOnly() throws Exception {
        AtomicInteger parses = new AtomicInteger();
        Path file = qwen3;
        try (LoadedModel real = ModelLoader.load(file, LoadOptions.defaults().withThreads(1).withoutWarmup())) {
            ChatTemplate template = real.requireChatTemplate();
            Supplier<Optional<ChatTemplate>> parser = () -> {
                parses.incrementAndGet();
                return Optional.of(template);
            };
            var lazy = new LoadedModel("m", file, real.config(), real.model(), real.tokenizer(), parser,
                    real.endOfTurnIds(), real.samplingDefaults(), real.weightBytes(), real.pool(), () -> { });
            assertEquals(0, parses.get(), "not parsed at construction");
            assertEquals(template, lazy.chatTemplate().orElseThrow());
            assertEquals(template, lazy.requireChatTemplate());
            assertEquals(1, parses.get(), "parsed once");
        }
    }
}
