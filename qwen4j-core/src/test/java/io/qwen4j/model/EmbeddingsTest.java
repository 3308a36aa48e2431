package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.embed.EmbeddingSettings;
import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.Pooling;
import io.qwen4j.embed.Reranker;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Embeddings and rerank scores against the double-precision {@link ReferenceModel}: its final hidden states, pooled,
 * normalised and (for scores) multiplied by the head rows in plain loops here. Tolerances as {@link DecoderModelTest}
 * argues (float against double arithmetic over 2-3 layers: ~1e-6 measured); a unit vector's elements are compared
 * absolutely.
 */
class EmbeddingsTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("qwen2 tied", Models.qwen2(true)),
                Arguments.of("qwen3 untied", Models.qwen3(false, RopeScaling.NONE)),
                Arguments.of("qwen3moe tied", Models.qwen3Moe(true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void hiddenStatesMatchReference(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F16, 21);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(4, 10, config.vocabSize());
        double[][] expected = new ReferenceModel(config, weights.tensors).hiddenStates(tokens);
        Logits hidden = model.forward(new ForwardBatch(
                List.of(new ForwardBatch.Sequence(tokens, 0, Models.cache(config))), ForwardBatch.LogitsWanted.HIDDEN));
        assertEquals(config.hiddenSize(), hidden.vocabSize(), "rows are hidden states");
        for (int t = 0; t < tokens.length; t++) {
            double err = Models.relativeError(hidden.data(), hidden.offset(0, t), expected[t]);
            assertTrue(err < 1e-3, name + " position " + t + " relative error " + err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void pooledEmbeddingsMatchReference(String name, ModelConfig config) {
        var weights = Models.weights(config, TensorType.F16, 22);
        Model model = Architectures.load(config, weights, Models.POOL);
        int[] tokens = Models.tokens(5, 13, config.vocabSize());
        double[][] hidden = new ReferenceModel(config, weights.tensors).hiddenStates(tokens);
        var embedder = new Embedder(model, KvCacheType.F32, config.contextLength());
        for (Pooling pooling : List.of(Pooling.LAST, Pooling.MEAN, Pooling.CLS)) {
            double[] pooled = new double[config.hiddenSize()];
            for (int i = 0; i < pooled.length; i++) {
                for (int t = 0; t < tokens.length; t++) {
                    pooled[i] += switch (pooling) {
                        case LAST -> t == tokens.length - 1 ? hidden[t][i] : 0;
                        case CLS -> t == 0 ? hidden[t][i] : 0;
                        default -> hidden[t][i] / tokens.length;
                    };
                }
            }
            assertClose(unit(pooled), embedder.embed(tokens, pooling, true), name + " " + pooling);
            float[] raw = embedder.embed(tokens, pooling, false);
            double err = Models.relativeError(raw, 0, pooled);
            assertTrue(err < 1e-3, name + " " + pooling + " unnormalised, relative error " + err);
        }
    }

    @Test
    void chunkedPassesGiveTheSameBitsAsOne() {
        ModelConfig config = Models.qwen3(true, RopeScaling.NONE);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F16, 23), Models.POOL);
        int[] tokens = Models.tokens(6, 23, config.vocabSize());
        for (Pooling pooling : List.of(Pooling.LAST, Pooling.MEAN, Pooling.CLS)) {
            float[] whole = new Embedder(model, KvCacheType.F16, 64).embed(tokens, pooling, true);
            float[] chunked = new Embedder(model, KvCacheType.F16, 64, 5).embed(tokens, pooling, true);
            assertArrayEquals(whole, chunked, pooling.id());
        }
    }

    /** The hook runs before each pass (23 tokens in passes of 5: five) and what it throws stops the input there. */
    @Test
    void theHookBeforeEachPassCanStopAnInputBetweenPasses() {
        ModelConfig config = Models.qwen3(true, RopeScaling.NONE);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F16, 23), Models.POOL);
        int[] tokens = Models.tokens(12, 23, config.vocabSize());
        var embedder = new Embedder(model, KvCacheType.F16, 64, 5);
        int[] passes = {0};
        embedder.embed(tokens, Pooling.MEAN, true, () -> passes[0]++);
        assertEquals(5, passes[0]);
        passes[0] = 0;
        var stop = new IllegalStateException("client gone");
        var thrown = assertThrows(IllegalStateException.class, () -> embedder.embed(tokens, Pooling.MEAN, true, () -> {
            if (++passes[0] == 2) {
                throw stop;
            }
        }));
        assertSame(stop, thrown);
        assertEquals(2, passes[0], "no pass after the hook threw");
    }

    /**
     * A session runs each input only from where it leaves the one before (at least its last token) and gives the bits
     * a fresh {@link Embedder#embed} gives: inputs sharing 20 of 23 tokens, an identical one, a shorter prefix of it, a
     * disjoint one, then one sharing with that. Passes of 5 tokens: the second input is one pass, not five.
     */
    @Test
    void aSessionRunsOnlyWhatAnInputDoesNotShareAndGivesTheSameBits() {
        ModelConfig config = Models.qwen3(true, RopeScaling.NONE);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F16, 23), Models.POOL);
        var embedder = new Embedder(model, KvCacheType.F16, 64, 5);
        int[] a = Models.tokens(1, 23, config.vocabSize());
        int[] b = a.clone();
        b[20] = (b[20] + 1) % config.vocabSize();
        b[22] = (b[22] + 7) % config.vocabSize();
        int[] shorter = java.util.Arrays.copyOf(b, 9);
        int[] other = Models.tokens(2, 17, config.vocabSize());
        int[] otherLonger = java.util.Arrays.copyOf(other, 30);
        System.arraycopy(Models.tokens(3, 13, config.vocabSize()), 0, otherLonger, 17, 13);
        int[][] inputs = {a, b, b, shorter, other, otherLonger};
        var session = embedder.session(List.of(inputs), Pooling.LAST);
        int[] passes = {0};
        int[] expectedPasses = {5, 1, 1, 1, 4, 3};
        for (int i = 0; i < inputs.length; i++) {
            passes[0] = 0;
            float[] got = session.embed(inputs[i], true, () -> passes[0]++);
            assertArrayEquals(embedder.embed(inputs[i], Pooling.LAST, true), got, "input " + i);
            assertEquals(expectedPasses[i], passes[0], "passes of input " + i);
        }
        // mean and cls pooling need every position's state: their sessions run each input whole
        for (Pooling pooling : List.of(Pooling.MEAN, Pooling.CLS)) {
            var whole = embedder.session(List.of(inputs), pooling);
            for (int[] input : inputs) {
                passes[0] = 0;
                assertArrayEquals(embedder.embed(input, pooling, true), whole.embed(input, true, () -> passes[0]++));
                assertEquals((input.length + 4) / 5, passes[0], pooling.id());
            }
        }
    }

    @Test
    void truncatedEmbeddingIsThePrefixScaledToUnitLength() {
        ModelConfig config = Models.qwen3(false, RopeScaling.NONE);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F32, 24), Models.POOL);
        float[] full = new Embedder(model, KvCacheType.F32, 64).embed(Models.tokens(7, 8, 300), Pooling.LAST, true);
        double[] prefix = new double[16];
        for (int i = 0; i < prefix.length; i++) {
            prefix[i] = full[i];
        }
        assertClose(unit(prefix), Embedder.truncate(full, 16, true), "dimensions 16");
        assertThrows(InvalidInputException.class, () -> Embedder.truncate(full, 0, true));
        assertThrows(InvalidInputException.class, () -> Embedder.truncate(full, full.length + 1, true));
    }

    /** Two classes as llama.cpp writes Qwen3-Reranker's head; one (a logit) and three (softmax, first class) too. */
    @ParameterizedTest(name = "{0} classes")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3})
    void rerankScoreIsTheClassifiersYesProbability(int classes) throws Exception {
        ModelConfig config = Models.qwen3(true, RopeScaling.NONE);
        var weights = Models.weights(config, TensorType.F16, 25).withClassifier(config, classes);
        Model model = Architectures.load(config, weights, Models.POOL);
        assertTrue(model.classifier().isPresent(), "cls.output.weight loaded");
        var reranker = new Reranker(model, tokenizer(), EmbeddingSettings.NONE, new Embedder(model, KvCacheType.F32, 64));
        var reference = new ReferenceModel(config, weights.tensors);
        int[] rows = java.util.stream.IntStream.range(0, classes).toArray();
        for (long seed = 1; seed <= 3; seed++) {
            int[] tokens = Models.tokens(seed, 9, config.vocabSize());
            double[][] hidden = reference.hiddenStates(tokens);
            double[] logits = reference.rows("cls.output.weight", rows, hidden[hidden.length - 1]);
            double yes;
            if (classes == 1) {
                yes = 1 / (1 + Math.exp(-logits[0]));
            } else {
                double sum = 0;
                for (double l : logits) {
                    sum += Math.exp(l);
                }
                yes = Math.exp(logits[0]) / sum;
            }
            assertEquals(yes, reranker.score(tokens), 1e-4, "seed " + seed);
        }
    }

    @Test
    void withoutAClassifierTheLmHeadsYesAndNoRowsScore() throws Exception {
        ModelConfig config = Models.qwen3(false, RopeScaling.NONE);
        var weights = Models.weights(config, TensorType.F16, 26);
        Model model = Architectures.load(config, weights, Models.POOL);
        Tokenizer tokenizer = tokenizer();
        int yes = tokenizer.id("yes").getAsInt();
        int no = tokenizer.id("no").getAsInt();
        var reranker = new Reranker(model, tokenizer, EmbeddingSettings.NONE, new Embedder(model, KvCacheType.F32, 64));
        int[] tokens = Models.tokens(8, 11, config.vocabSize());
        double[][] hidden = new ReferenceModel(config, weights.tensors).hiddenStates(tokens);
        double[] logits = new ReferenceModel(config, weights.tensors).rows("output.weight", new int[] {yes, no},
                hidden[hidden.length - 1]);
        assertEquals(1 / (1 + Math.exp(logits[1] - logits[0])), reranker.score(tokens), 1e-4);
    }

    @Test
    void rerankPromptIsQwen3RerankersOrTheFilesTemplate() throws Exception {
        ModelConfig config = Models.qwen3(true, RopeScaling.NONE);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F32, 27).withClassifier(config, 2), Models.POOL);
        var embedder = new Embedder(model, KvCacheType.F32, 64);
        var plain = new Reranker(model, tokenizer(), EmbeddingSettings.NONE, embedder);
        // Qwen3-Reranker's model card: format_instruction plus its prefix and suffix
        assertEquals("<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the"
                + " Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n"
                + "<Instruct>: Find code\n<Query>: q?\n<Document>: d.<|im_end|>\n<|im_start|>assistant\n"
                + "<think>\n\n</think>\n\n", plain.prompt("q?", "d.", Optional.of("Find code")));
        assertTrue(plain.prompt("q", "d", Optional.empty()).contains("<Instruct>: " + Reranker.DEFAULT_INSTRUCTION + "\n"));
        var templated = new Reranker(model, tokenizer(), new EmbeddingSettings(Optional.of(Pooling.RANK),
                Optional.of("Q={query} D={document}")), embedder);
        assertEquals("Q=a D=b", templated.prompt("a", "b", Optional.empty()));
        int[] tokens = plain.tokens("q", "d", Optional.empty());
        assertEquals(TinyTokenizerDir.IM_START, tokens[0], "special tokens parsed");
    }

    @Test
    void lastTokenPoolingAppendsEndOfTextOnce() throws Exception {
        Tokenizer tokenizer = tokenizer();
        int[] last = Embedder.textTokens(tokenizer, "hi", Pooling.LAST);
        assertArrayEquals(new int[] {'h', 'i', TinyTokenizerDir.END_OF_TEXT}, last);
        assertArrayEquals(last, Embedder.textTokens(tokenizer, "hi<|endoftext|>", Pooling.LAST));
        assertArrayEquals(new int[] {'h', 'i'}, Embedder.textTokens(tokenizer, "hi", Pooling.MEAN));
    }

    @Test
    void badInputsAreNamedErrors() {
        ModelConfig config = Models.qwen3(true, RopeScaling.NONE);
        Model model = Architectures.load(config, Models.weights(config, TensorType.F32, 28), Models.POOL);
        var embedder = new Embedder(model, KvCacheType.F32, 16);
        var tooLong = assertThrows(ContextOverflowException.class,
                () -> embedder.embed(Models.tokens(1, 17, 300), Pooling.LAST, true));
        assertEquals(17, tooLong.length());
        assertEquals(16, tooLong.capacity());
        assertThrows(InvalidInputException.class, () -> embedder.embed(new int[0], Pooling.LAST, true));
        assertTrue(assertThrows(InvalidInputException.class, () -> embedder.embed(new int[] {1}, Pooling.RANK, true))
                .getMessage().contains("rank"));
        assertThrows(InvalidInputException.class, () -> Pooling.ofGgufId(5));
        assertEquals(Pooling.LAST, Pooling.ofGgufId(3));
    }

    private static Tokenizer tokenizer() throws Exception {
        Path folder = dir.resolve("tokenizer-yes-no");
        if (!folder.toFile().exists()) {
            TinyTokenizerDir.write(folder, "yes", "no");
        }
        return Tokenizer.fromHuggingFace(folder);
    }

    private static double[] unit(double[] v) {
        double squares = 0;
        for (double x : v) {
            squares += x * x;
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / Math.sqrt(squares);
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + " element " + i);
        }
    }
}
