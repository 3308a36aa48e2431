package io.qwen4j.loader.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.convert.GgufTarget;
import io.qwen4j.convert.HfToGguf;
import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Pooling;
import io.qwen4j.embed.Reranker;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.safetensors.SafetensorsFile;
import io.qwen4j.safetensors.SafetensorsTensor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HF folders of embedding and reranker models, as llama.cpp's converter reads them: tensors saved without the
 * {@code model.} prefix and without an LM head (Qwen3-Embedding), a sentence-transformers pooling module, and a
 * Qwen3-Reranker, whose conversion turns the LM head's yes/no rows into {@code cls.output.weight}.
 */
class HfEmbeddingFolderTest {

    @TempDir
    Path dir;

    /** The folder's safetensors rewritten with every name passed through {@code rename} (null drops a tensor). */
    private static void rewriteTensors(Path folder, java.util.function.UnaryOperator<String> rename) throws Exception {
        rewriteTensors(folder, rename, List.of());
    }

    /** As above, with {@code extra} tensors added. */
    private static void rewriteTensors(Path folder, java.util.function.UnaryOperator<String> rename,
                                       List<SafetensorsTestWriter.Entry> extra) throws Exception {
        Path file = folder.resolve("model.safetensors");
        var entries = new ArrayList<SafetensorsTestWriter.Entry>(extra);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (SafetensorsTensor t : st.tensors().values()) {
                String name = rename.apply(t.name());
                if (name != null) {
                    entries.add(new SafetensorsTestWriter.Entry(name, t.dtype().name(), t.shape(),
                            t.data().toArray(ValueLayout.JAVA_BYTE)));
                }
            }
        }
        SafetensorsTestWriter.writeFile(file, entries);
    }

    /**
     * Qwen3-Embedding-4B's layout: names without {@code model.}, no {@code lm_head.weight} although config.json says
     * the embeddings are untied, and a last-token pooling module. It loads as the same model with tied embeddings
     * (the GGUF written from the same weights has no {@code output.weight}), with the module's pooling.
     */
    @Test
    void bareNamesWithoutAnLmHeadLoadAsTheTiedModelWithTheirPooling() throws Exception {
        Path hf = dir.resolve("Qwen3-Embedding-test");
        Path gguf = dir.resolve("tied.gguf");
        HfFixture.write(HfFixture.qwen3("F32"), hf, gguf);
        rewriteTensors(hf, name -> name.startsWith("model.") ? name.substring("model.".length()) : name);
        Path config = hf.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"tie_word_embeddings\":true", "\"tie_word_embeddings\":false"));
        Files.writeString(hf.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers"
                + ".models.Transformer\"},{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers"
                + ".models.Pooling\"},{\"idx\":2,\"name\":\"2\",\"path\":\"2_Normalize\",\"type\":\"sentence_transformers"
                + ".models.Normalize\"}]");
        Files.createDirectories(hf.resolve("1_Pooling"));
        Files.writeString(hf.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\":32,\"pooling_mode_cls_token\":false,"
                + "\"pooling_mode_mean_tokens\":false,\"pooling_mode_lasttoken\":true,\"include_prompt\":true}");
        var options = LoadOptions.defaults().withThreads(1);
        try (LoadedModel fromHf = ModelLoader.load(hf, options); LoadedModel fromGguf = ModelLoader.load(gguf, options)) {
            assertTrue(fromHf.config().tieWordEmbeddings());
            assertEquals(fromGguf.config(), fromHf.config());
            assertTrue(HfModelFolderTest.maxDiff(HfModelFolderTest.logits(fromHf), HfModelFolderTest.logits(fromGguf)) < 1e-3);
            assertEquals(Optional.of(Pooling.LAST), fromHf.embedding().pooling());
        }
        Files.writeString(hf.resolve("1_Pooling/config.json"), "{\"pooling_mode\":\"mean\"}");
        try (LoadedModel fromHf = ModelLoader.load(hf, options)) {
            assertEquals(Optional.of(Pooling.MEAN), fromHf.embedding().pooling());
        }
        Path converted = dir.resolve("embedding.gguf");
        HfToGguf.convert(hf, converted, GgufTarget.F32, line -> { });
        try (GgufFile g = GgufFile.open(converted)) {
            assertEquals(1, g.metadata().getInt("qwen3.pooling_type"), "llama.cpp's LLAMA_POOLING_TYPE_MEAN");
            assertFalse(g.hasTensor("output.weight"));
        }
    }

    @Test
    void aPoolingModuleQwen4jCannotPoolByIsAnErrorNamingTheFile() throws Exception {
        Path hf = dir.resolve("hf");
        HfFixture.write(HfFixture.qwen3("F32"), hf, dir.resolve("x.gguf"));
        Files.writeString(hf.resolve("modules.json"), "[{\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"}]");
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("1_Pooling") && e.getMessage().contains("does not exist"), e.getMessage());
        Files.createDirectories(hf.resolve("1_Pooling"));
        Files.writeString(hf.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\":true}");
        e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("config.json: unsupported pooling"), e.getMessage());
        Files.writeString(hf.resolve("modules.json"), "[{\"path\":");
        e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(hf, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("modules.json is not valid JSON"), e.getMessage());
    }

    /**
     * A Qwen3-Reranker folder (its README's title) is marked for ranking, and its conversion writes what llama.cpp's
     * converter writes: rank pooling, the labels yes/no, the model card's prompt, {@code cls.output.weight} = the LM
     * head's rows of "yes" and "no" (read here from the safetensors file itself), no {@code output.weight}. The
     * folder (scoring with the LM head's rows) and the file (with the classifier) give the same scores.
     */
    @Test
    void aQwen3RerankerFolderIsMarkedAndConvertsAsLlamaCppConvertsIt() throws Exception {
        var spec = new HfFixture.Spec("qwen3", 32, 2, 4, 2, 16, 80, 0, 0, 0, false, "F32", 32, "F32", 1, 21,
                HfFixture.REAL_VOCAB);
        Path hf = dir.resolve("reranker");
        HfFixture.write(spec, hf, dir.resolve("unused.gguf"));
        Files.writeString(hf.resolve("README.md"), "---\nlicense: apache-2.0\n---\n# Qwen3-Reranker-0.6B\n\nText.\n");
        Path converted = dir.resolve("reranker.gguf");
        HfToGguf.convert(hf, converted, GgufTarget.F32, line -> { });
        var options = LoadOptions.defaults().withThreads(1);
        try (LoadedModel folder = ModelLoader.load(hf, options); LoadedModel file = ModelLoader.load(converted, options);
             GgufFile g = GgufFile.open(converted); SafetensorsFile st = SafetensorsFile.open(hf.resolve("model.safetensors"))) {
            assertEquals(new EmbeddingSettings(Optional.of(Pooling.RANK), Optional.of(Reranker.modelCardTemplate())),
                    folder.embedding());
            assertEquals(folder.embedding(), file.embedding());
            assertEquals(4, g.metadata().getInt("qwen3.pooling_type"), "llama.cpp's LLAMA_POOLING_TYPE_RANK");
            assertEquals(List.of("yes", "no"), g.metadata().getStringArray("qwen3.classifier.output_labels"));
            assertFalse(g.hasTensor("output.weight"));
            var classifier = g.tensor("cls.output.weight");
            assertArrayEquals(new long[] {32, 2}, classifier.shape());
            SafetensorsTensor head = st.find("lm_head.weight").orElseThrow();
            int[] ids = {folder.tokenizer().id("yes").orElseThrow(), folder.tokenizer().id("no").orElseThrow()};
            for (int c = 0; c < 2; c++) {
                for (int j = 0; j < 32; j++) {
                    float want = head.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * (ids[c] * 32L + j));
                    assertEquals(want, classifier.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * (c * 32L + j)),
                            "class " + c + " weight " + j);
                }
            }
            var fromFolder = new Reranker(folder.model(), folder.tokenizer(), folder.embedding(),
                    new Embedder(folder.model(), KvCacheType.F32, 256));
            var fromFile = new Reranker(file.model(), file.tokenizer(), file.embedding(),
                    new Embedder(file.model(), KvCacheType.F32, 256));
            for (String doc : List.of("Paris is the capital of France.", "Water boils at 100 degrees.")) {
                int[] tokens = fromFolder.tokens("What is the capital of France?", doc, Optional.empty());
                double score = fromFolder.score(tokens);
                assertTrue(score > 0 && score < 1, "score " + score);
                assertEquals(score, fromFile.score(tokens), 1e-6);
            }
        }
    }

    /**
     * The reranker as vLLM and TEI serve it, {@code Qwen3ForSequenceClassification} with a one-logit head
     * ({@code score.weight}, [1, hidden]: the yes row minus the no row): a rank model whose score is the logistic of
     * that logit, computed here from the head's values in the safetensors file. Converted, the head becomes a one-row
     * {@code cls.output.weight} kept in F32 (ggml counts it as one dimension, so llama-quantize leaves it) beside Q8_0
     * matrices, and scores the same.
     */
    @Test
    void aSequenceClassificationRerankerScoresWithItsOneLogitHead() throws Exception {
        Path hf = dir.resolve("seq-cls");
        HfFixture.write(HfFixture.qwen3("F32"), hf, dir.resolve("unused.gguf"));
        float[] score = new float[32];
        var random = new java.util.Random(5);
        var bytes = java.nio.ByteBuffer.allocate(4 * 32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < 32; j++) {
            score[j] = (float) (random.nextGaussian() / 8);
            bytes.putFloat(score[j]);
        }
        rewriteTensors(hf, name -> name, List.of(new SafetensorsTestWriter.Entry("score.weight", "F32", new long[] {1, 32},
                bytes.array())));
        Path config = hf.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("[\"X\"]", "[\"Qwen3ForSequenceClassification\"]"));
        Path converted = dir.resolve("seq-cls.gguf");
        HfToGguf.convert(hf, converted, GgufTarget.Q8_0, line -> { });
        var options = LoadOptions.defaults().withThreads(1);
        try (LoadedModel folder = ModelLoader.load(hf, options); LoadedModel file = ModelLoader.load(converted, options);
             GgufFile g = GgufFile.open(converted)) {
            assertEquals(Optional.of(Pooling.RANK), folder.embedding().pooling());
            assertEquals(folder.embedding(), file.embedding());
            assertEquals(io.qwen4j.tensor.TensorType.F32, g.tensor("cls.output.weight").type());
            assertArrayEquals(new long[] {32, 1}, g.tensor("cls.output.weight").shape());
            assertEquals(io.qwen4j.tensor.TensorType.Q8_0, g.tensor("blk.0.attn_q.weight").type());
            var embedder = new Embedder(folder.model(), KvCacheType.F32, 256);
            var reranker = new Reranker(folder.model(), folder.tokenizer(), folder.embedding(), embedder);
            int[] tokens = reranker.tokens("q", "d", Optional.empty());
            float[] hidden = embedder.embed(tokens, Pooling.LAST, false);
            double logit = 0;
            for (int j = 0; j < 32; j++) {
                logit += (double) score[j] * hidden[j];
            }
            assertEquals(1 / (1 + Math.exp(-logit)), reranker.score(tokens), 1e-9);
            var fromFile = new Reranker(file.model(), file.tokenizer(), file.embedding(),
                    new Embedder(file.model(), KvCacheType.F32, 256));
            // the file's matrices are Q8_0, the folder's F32: close, not equal
            assertEquals(reranker.score(tokens), fromFile.score(tokens), 0.02);
        }
    }

    @Test
    void aChatModelFolderSaysNothing() throws Exception {
        Path hf = dir.resolve("Qwen3-0.6B");
        HfFixture.write(HfFixture.qwen3("F32"), hf, dir.resolve("x.gguf"));
        try (LoadedModel m = ModelLoader.load(hf, LoadOptions.defaults().withThreads(1))) {
            assertEquals(EmbeddingSettings.NONE, m.embedding());
        }
    }
}
