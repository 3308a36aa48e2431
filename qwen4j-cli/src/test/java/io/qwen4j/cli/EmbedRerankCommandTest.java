package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Pooling;
import io.qwen4j.embed.Reranker;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qwen4j embed} and {@code qwen4j rerank} print what the engine computes, in the documented JSON shapes. */
class EmbedRerankCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void synthesize() throws Exception {
        model = dir.resolve("tiny-qwen3.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 64, 0, 0, 0, 151_936, 256, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen3"), 9), model);
    }

    @Test
    void embedJsonHoldsEachTextsUnitVector() throws Exception {
        CliRun run = CliRun.run("", "embed", "-m", model.toString(), "--json", "first text", "second");
        assertEquals(0, run.status(), run.err());
        JsonNode r = JSON.readTree(run.out());
        assertEquals("last", r.get("pooling").asText());
        try (LoadedModel loaded = ModelLoader.load(model, LoadOptions.defaults().withThreads(1))) {
            var embedder = new Embedder(loaded.model(), KvCacheType.F32, 256);
            String[] texts = {"first text", "second"};
            for (int i = 0; i < texts.length; i++) {
                JsonNode item = r.get("data").get(i);
                int[] tokens = Embedder.textTokens(loaded.tokenizer(), texts[i], Pooling.LAST);
                assertEquals(tokens.length, item.get("tokens").asInt());
                float[] want = embedder.embed(tokens, Pooling.LAST, true);
                assertEquals(want.length, item.get("embedding").size());
                for (int j = 0; j < want.length; j++) {
                    assertEquals(want[j], item.get("embedding").get(j).floatValue(), 0f);
                }
            }
        }
        CliRun plain = CliRun.run("", "embed", "-m", model.toString(), "a", "b", "--dimensions", "8");
        assertEquals(0, plain.status(), plain.err());
        assertTrue(plain.out().contains("(2 tokens, 8 values)") && plain.out().contains("cosine similarity:"), plain.out());
    }

    @Test
    void rerankJsonIsSortedByTheEnginesScores() throws Exception {
        String[] docs = {"Paris is the capital of France.", "Pasta is cooked in water.", "France borders Spain."};
        CliRun run = CliRun.run("", "rerank", "-m", model.toString(), "--json", "--query", "capital of France",
                docs[0], docs[1], docs[2]);
        assertEquals(0, run.status(), run.err());
        JsonNode results = JSON.readTree(run.out()).get("results");
        assertEquals(3, results.size());
        try (LoadedModel loaded = ModelLoader.load(model, LoadOptions.defaults().withThreads(1))) {
            var reranker = new Reranker(loaded.model(), loaded.tokenizer(), EmbeddingSettings.NONE,
                    new Embedder(loaded.model(), KvCacheType.F32, 256));
            double previous = 1;
            for (JsonNode r : results) {
                int i = r.get("index").asInt();
                double want = reranker.score(reranker.tokens("capital of France", docs[i], Optional.empty()));
                assertEquals(want, r.get("relevance_score").asDouble(), 0.0);
                assertTrue(want <= previous);
                previous = want;
            }
        }
    }

    /** {@code synth --pooling --classifier-labels} makes a file the two commands then use as an embedder/reranker. */
    @Test
    void synthMarksAFileAsAnEmbedderAndReranker() throws Exception {
        Path marked = dir.resolve("marked.gguf");
        CliRun synth = CliRun.run("", "synth", "--arch", "qwen3", "--layers", "1", "--dim", "64", "--heads", "2",
                "--kv-heads", "1", "--head-dim", "32", "--ffn", "64", "--context", "256", "--type", "q8_0",
                "--pooling", "mean", "--classifier-labels", "yes,no", "--tokenizer", CliRun.shared().resolve("qwen/qwen3").toString(),
                "--seed", "4", "--out", marked.toString());
        assertEquals(0, synth.status(), synth.err());
        CliRun embed = CliRun.run("", "embed", "-m", marked.toString(), "--json", "some text");
        assertEquals(0, embed.status(), embed.err());
        assertEquals("mean", JSON.readTree(embed.out()).get("pooling").asText());
        CliRun rerank = CliRun.run("", "rerank", "-m", marked.toString(), "--json", "--query", "q", "doc");
        assertEquals(0, rerank.status(), rerank.err());
        try (LoadedModel loaded = ModelLoader.load(marked, LoadOptions.defaults().withThreads(1))) {
            float[] yes = new float[64];
            float[] no = new float[64];
            var head = loaded.model().classifier().orElseThrow();
            io.qwen4j.quant.QuantFormats.of(head.type()).dequantize(head.data(), 0, yes, 0, 64);
            io.qwen4j.quant.QuantFormats.of(head.type()).dequantize(head.data(), head.rowBytes(), no, 0, 64);
            var embedder = new Embedder(loaded.model(), KvCacheType.F32, 256);
            var reranker = new Reranker(loaded.model(), loaded.tokenizer(), loaded.embedding(), embedder);
            float[] hidden = embedder.embed(reranker.tokens("q", "doc", Optional.empty()), Pooling.LAST, false);
            double logitYes = 0;
            double logitNo = 0;
            for (int j = 0; j < 64; j++) {
                logitYes += (double) yes[j] * hidden[j];
                logitNo += (double) no[j] * hidden[j];
            }
            double want = 1 / (1 + Math.exp(logitNo - logitYes));
            assertEquals(want, JSON.readTree(rerank.out()).get("results").get(0).get("relevance_score").asDouble(), 1e-12);
        }
        CliRun bad = CliRun.run("", "synth", "--arch", "qwen3", "--pooling", "max", "--seed", "1", "--out",
                dir.resolve("x.gguf").toString());
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("unknown pooling 'max'"), bad.err());
    }

    @Test
    void badFlagsAreOneLineErrors() {
        CliRun run = CliRun.run("", "embed", "-m", model.toString(), "--pooling", "max", "x");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("unknown pooling 'max'"), run.err());
        assertEquals(2, CliRun.run("", "rerank", "-m", model.toString(), "doc").status(), "--query is required");
    }
}
