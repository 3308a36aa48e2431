package io.qwen4j.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.embed.Pooling;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.loader.GgufVocabulary;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import io.qwen4j.tokenizer.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synth → GGUF → read: every tensor holds exactly the reference quantization of the generated values,
 * dequantizes to them within the type's error, and the file carries a tokenizer equal to the source.
 */
class SynthRoundTripTest {

    static final Path QWEN3_TOKENIZER = findShared().resolve("qwen/qwen3");

    @TempDir
    Path dir;

    static Path findShared() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolveSibling("shared").resolve("qwen"))) {
                return d.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("no ../shared");
    }

    static SynthSpec tiny(String arch, TensorType type, boolean tied) {
        return new SynthSpec(arch, 2, 256, 4, 2, 64, 512, arch.equals("qwen3moe") ? 4 : 0,
                arch.equals("qwen3moe") ? 2 : 0, arch.equals("qwen3moe") ? 256 : 0, 151_936, 4096, tied, type, type,
                false, null, QWEN3_TOKENIZER, 7);
    }

    @Test
    void everyWritableTypeRoundTripsBitExactly() throws Exception {
        for (TensorType type : TensorType.values()) {
            if (!QuantFormats.of(type).canQuantize()) {
                continue;
            }
            SynthSpec spec = new SynthSpec("qwen3", 1, 256, 4, 2, 64, 512, 0, 0, 0, 151_936, 4096, false, type,
                    TensorType.F16, false, null, QWEN3_TOKENIZER, 11);
            Path file = dir.resolve(type + ".gguf");
            SyntheticModelWriter.write(spec, file);
            try (GgufFile gguf = GgufFile.open(file)) {
                for (SynthPlan.PlannedTensor planned : SynthPlan.plan(spec)) {
                    if (planned.name().equals("token_embd.weight") || planned.name().equals("output.weight")) {
                        continue; // checked below with a row sample: 151,936 rows
                    }
                    checkTensor(spec, planned, gguf.tensor(planned.name()), planned.rows());
                }
                SynthPlan.PlannedTensor embedding = SynthPlan.plan(spec).get(0);
                checkTensor(spec, embedding, gguf.tensor("token_embd.weight"), 64);
            }
        }
    }

    /**
     * An embedder's or reranker's marks as llama.cpp reads them (llama-model.cpp: {@code {arch}.pooling_type},
     * {@code n_cls_out} from the length of {@code {arch}.classifier.output_labels}, {@code cls.output.weight} of shape
     * [n_embd, n_cls_out]), and as qwen4j's loader then sees the model.
     */
    @Test
    void embedderAndRerankerMarksAreWrittenAsLlamaCppReadsThem() throws Exception {
        SynthSpec spec = tiny("qwen3", TensorType.F32, true);
        Path file = dir.resolve("reranker.gguf");
        SyntheticModelWriter.write(spec, new SynthHead(Optional.of(Pooling.RANK), List.of("yes", "no")), file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(4, gguf.metadata().getInt("qwen3.pooling_type"), "llama.cpp's LLAMA_POOLING_TYPE_RANK");
            assertEquals(List.of("yes", "no"), gguf.metadata().getStringArray("qwen3.classifier.output_labels"));
            Tensor classifier = gguf.tensor("cls.output.weight");
            assertEquals(TensorType.F32, classifier.type());
            assertArrayEquals(new long[] {256, 2}, classifier.shape());
        }
        try (LoadedModel loaded = ModelLoader.load(file, LoadOptions.defaults().withThreads(1))) {
            assertEquals(Optional.of(Pooling.RANK), loaded.embedding().pooling());
            assertArrayEquals(new long[] {256, 2}, loaded.model().classifier().orElseThrow().shape());
        }
        Path plain = dir.resolve("mean.gguf");
        SyntheticModelWriter.write(spec, new SynthHead(Optional.of(Pooling.MEAN), List.of()), plain);
        try (GgufFile gguf = GgufFile.open(plain)) {
            assertEquals(1, gguf.metadata().getInt("qwen3.pooling_type"), "llama.cpp's LLAMA_POOLING_TYPE_MEAN");
            assertFalse(gguf.metadata().contains("qwen3.classifier.output_labels"));
            assertFalse(gguf.hasTensor("cls.output.weight"));
        }
    }

    /**
     * The i-quant grid formats have no quantizer: synth fills them with random blocks, each scaled to the tensor's
     * standard deviation, the same bytes for the same seed.
     */
    @Test
    void gridFormatsGetRandomBlocksWithTheTensorsSpread() throws Exception {
        for (TensorType type : List.of(TensorType.IQ1_M, TensorType.IQ2_XXS, TensorType.IQ3_S)) {
            SynthSpec spec = tiny("qwen3", type, true);
            Path first = dir.resolve(type + "-1.gguf");
            Path second = dir.resolve(type + "-2.gguf");
            SyntheticModelWriter.write(spec, first);
            SyntheticModelWriter.write(spec, second);
            assertEquals(-1L, Files.mismatch(first, second), type + ": same seed, same bytes");
            try (GgufFile gguf = GgufFile.open(first)) {
                for (SynthPlan.PlannedTensor planned : SynthPlan.plan(spec)) {
                    Tensor tensor = gguf.tensor(planned.name());
                    assertEquals(planned.type(), tensor.type(), planned.name());
                    if (!planned.type().isQuantized()) {
                        continue;
                    }
                    int rowLength = (int) planned.shape()[0];
                    long rows = Math.min(planned.rows(), 64);
                    float[] values = new float[rowLength];
                    double squares = 0;
                    for (long row = 0; row < rows; row++) {
                        QuantFormats.of(type).dequantize(tensor.data(), row * type.bytesFor(rowLength), values, 0, rowLength);
                        for (float v : values) {
                            squares += (double) v * v;
                        }
                    }
                    double rms = Math.sqrt(squares / (rows * rowLength));
                    // each block is scaled to the std exactly but for its fp16 scale's rounding (2^-11 relative)
                    assertEquals(planned.std(), rms, 2e-3 * planned.std(), type + " " + planned.name());
                }
            }
        }
    }

    private static void checkTensor(SynthSpec spec, SynthPlan.PlannedTensor planned, Tensor tensor, long rowsToCheck) {
        assertEquals(planned.type(), tensor.type(), planned.name());
        assertArrayEquals(planned.shape(), tensor.shape(), planned.name());
        int rowLength = (int) planned.shape()[0];
        long rowBytes = planned.type().bytesFor(rowLength);
        QuantFormat format = QuantFormats.of(planned.type());
        var generator = new WeightGenerator(spec.seed(), planned.name(), planned.mean(), planned.std());
        float[] source = new float[rowLength];
        float[] restored = new float[rowLength];
        byte[] requantized = new byte[(int) rowBytes];
        for (long row = 0; row < rowsToCheck; row++) {
            generator.fillRow(row, source, rowLength);
            format.quantize(source, 0, rowLength, MemorySegment.ofArray(requantized), 0);
            byte[] stored = tensor.data().asSlice(row * rowBytes, rowBytes).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertArrayEquals(requantized, stored, planned.name() + " row " + row);
            format.dequantize(tensor.data(), row * rowBytes, restored, 0, rowLength);
            double maxAbs = 0;
            for (float v : source) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            // Half a quantization step over the block's range: 2-bit formats have 4 levels, 3-bit 8, the rest 16+.
            // MXFP4's power-of-two scale d puts the block's largest magnitude in [8d, 16d) with top levels 8d and 12d:
            // up to 4d (a quarter) off.
            double bound = switch (planned.type()) {
                case Q2_K -> 0.6;
                case Q3_K, MXFP4 -> 0.3;
                default -> 0.15;
            } * maxAbs + 1e-6;
            for (int i = 0; i < rowLength; i++) {
                assertTrue(Math.abs(source[i] - restored[i]) <= bound,
                        planned.name() + " row " + row + " element " + i + ": " + source[i] + " vs " + restored[i]);
            }
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        SyntheticModelWriter.write(tiny("qwen2", TensorType.Q8_0, true), a);
        SyntheticModelWriter.write(tiny("qwen2", TensorType.Q8_0, true), b);
        var other = tiny("qwen2", TensorType.Q8_0, true);
        SyntheticModelWriter.write(new SynthSpec(other.architecture(), other.layers(), other.hiddenSize(), other.heads(),
                other.kvHeads(), other.headDim(), other.ffn(), 0, 0, 0, other.vocabSize(), other.context(), true,
                other.matrixType(), other.embeddingType(), false, null, QWEN3_TOKENIZER, 8), c);
        assertEquals(-1, Files.mismatch(a, b));
        assertTrue(Files.mismatch(a, c) >= 0);
    }

    @Test
    void metadataAndTensorNamesFollowTheConverter() throws Exception {
        Path file = dir.resolve("moe.gguf");
        SyntheticModelWriter.write(tiny("qwen3moe", TensorType.F32, false), file);
        try (GgufFile gguf = GgufFile.open(file)) {
            var m = gguf.metadata();
            assertEquals("qwen3moe", m.getString("general.architecture"));
            assertEquals(2, m.getInt("qwen3moe.block_count"));
            assertEquals(4, m.getInt("qwen3moe.expert_count"));
            assertEquals(2, m.getInt("qwen3moe.expert_used_count"));
            assertEquals(256, m.getInt("qwen3moe.expert_feed_forward_length"));
            assertEquals(64, m.getInt("qwen3moe.attention.key_length"));
            assertEquals("gpt2", m.getString("tokenizer.ggml.model"));
            assertEquals("qwen2", m.getString("tokenizer.ggml.pre"));
            assertTrue(m.getString("tokenizer.chat_template").contains("enable_thinking"));
            assertArrayEquals(new long[] {256, 256, 4}, gguf.tensor("blk.0.ffn_gate_exps.weight").shape());
            assertArrayEquals(new long[] {256, 256, 4}, gguf.tensor("blk.1.ffn_down_exps.weight").shape());
            assertEquals(TensorType.F32, gguf.tensor("blk.0.ffn_gate_inp.weight").type());
            assertTrue(gguf.tensorInfo("output.weight").isPresent());
            assertFalse(gguf.tensorInfo("blk.0.attn_q.bias").isPresent());
            List<String> tokens = m.getStringArray("tokenizer.ggml.tokens");
            assertEquals("[PAD151935]", tokens.get(151_935));
            assertEquals(5, m.getIntArray("tokenizer.ggml.token_type")[151_935]);
            // The tokenizer read back from the file encodes like the HF folder it came from.
            Tokenizer fromFile = Tokenizer.fromVocabulary(GgufVocabulary.read(m));
            Tokenizer fromFolder = Tokenizer.fromHuggingFace(QWEN3_TOKENIZER);
            for (String text : List.of("Hello, world!", "<|im_start|>user\n你好<|im_end|>", "  x = 42\n\tif y:")) {
                assertArrayEquals(fromFolder.encode(text), fromFile.encode(text), text);
            }
        }
    }

    /** The names and keys of convert_hf_to_gguf.py's Qwen3NextModel (older ssm_in layout, one MTP block kept). */
    @Test
    void hybridMoeTensorsAndKeysFollowTheConverter() throws Exception {
        Path file = dir.resolve("next.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3next", 2, 256, 4, 2, 64, 512, 4, 2, 256, 151_936, 4096, false,
                TensorType.F32, TensorType.F32, false, null, QWEN3_TOKENIZER, 5,
                new SynthSpec.Linear(2, 4, 64, 4, 2, 32, true, 1)), file);
        try (GgufFile gguf = GgufFile.open(file)) {
            var m = gguf.metadata();
            assertEquals(3, m.getInt("qwen3next.block_count"));
            assertEquals(1, m.getInt("qwen3next.nextn_predict_layers"));
            assertEquals(512, m.getInt("qwen3next.expert_shared_feed_forward_length"));
            assertEquals(32, m.getInt("qwen3next.rope.dimension_count"));
            assertFalse(m.contains("qwen3next.rope.dimension_sections"), "only Qwen3.5's converter writes the mrope sections");
            // q, k (2 heads of 64 each), v and z (4 heads of 64 each) in one projection; beta and alpha in another
            assertArrayEquals(new long[] {256, 2 * 128 + 2 * 256}, gguf.tensor("blk.0.ssm_in.weight").shape());
            assertArrayEquals(new long[] {256, 8}, gguf.tensor("blk.0.ssm_ba.weight").shape());
            assertFalse(gguf.tensorInfo("blk.0.attn_qkv.weight").isPresent());
            assertFalse(gguf.tensorInfo("blk.0.ssm_beta.weight").isPresent());
            assertArrayEquals(new long[] {256, 1}, gguf.tensor("blk.1.ffn_gate_inp_shexp.weight").shape());
            assertEquals(TensorType.F32, gguf.tensor("blk.1.ffn_gate_inp_shexp.weight").type());
            assertArrayEquals(new long[] {512, 256}, gguf.tensor("blk.1.ffn_down_shexp.weight").shape());
            // the MTP block: a gated-attention layer with its experts and the [embedding; hidden] projection
            assertArrayEquals(new long[] {256, 2 * 256}, gguf.tensor("blk.2.attn_q.weight").shape());
            assertArrayEquals(new long[] {512, 256}, gguf.tensor("blk.2.nextn.eh_proj.weight").shape());
            assertTrue(gguf.tensorInfo("blk.2.ffn_up_exps.weight").isPresent());
        }
    }

    /**
     * Qwen3.5's M-RoPE sections as its converter writes them (11/11/10 of 64 rotated dimensions) and, for other sizes,
     * counts that give every rotary pair a text position in llama.cpp's interleaved M-RoPE (pair s reads section
     * s mod 3 while s < 3 x its count): 4 pairs are 2/1/1 (2/2/0 left pair 2 unrotated in llama.cpp: log-probs 1.7e-3
     * off on a converted Qwen3.5-MoE folder).
     */
    @Test
    void qwen35RopeSectionsCountEachInterleavedSectionsPairs() throws Exception {
        for (int[] c : new int[][] {{64, 11, 11, 10}, {8, 2, 1, 1}, {32, 6, 5, 5}}) {
            Path file = dir.resolve("sections-" + c[0] + ".gguf");
            SyntheticModelWriter.write(new SynthSpec("qwen35", 2, 256, 4, 2, 64, 512, 0, 0, 0, 151_936, 4096, true,
                    TensorType.F16, TensorType.F16, false, null, QWEN3_TOKENIZER, 5,
                    new SynthSpec.Linear(2, 4, 64, 4, 2, c[0])), file);
            try (GgufFile gguf = GgufFile.open(file)) {
                assertArrayEquals(new int[] {c[1], c[2], c[3], 0}, gguf.metadata().getIntArray("qwen35.rope.dimension_sections"));
            }
        }
    }

    @Test
    void qwen2HasBiasesAndTiedEmbeddingsOmitOutput() throws Exception {
        Path file = dir.resolve("q2.gguf");
        SyntheticModelWriter.write(tiny("qwen2", TensorType.F16, true), file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertTrue(gguf.tensorInfo("blk.1.attn_k.bias").isPresent());
            assertFalse(gguf.tensorInfo("blk.0.attn_q_norm.weight").isPresent());
            assertFalse(gguf.tensorInfo("output.weight").isPresent());
        }
    }

    @Test
    void rowsABlockDoesNotDivideAreAnErrorOrFallBack() {
        var spec = new SynthSpec("qwen2", 1, 896, 14, 2, 64, 4864, 0, 0, 0, 151_936, 4096, true, TensorType.Q8_0,
                TensorType.Q8_0, false, null, QWEN3_TOKENIZER, 1);
        assertEquals(TensorType.Q8_0, SynthPlan.rowCompatibleType(spec, "x", TensorType.Q8_0, 896));
        var error = assertThrows(InvalidInputException.class,
                () -> SynthPlan.rowCompatibleType(spec, "blk.0.attn_q.weight", TensorType.Q4_K, 896));
        assertTrue(error.getMessage().contains("blk.0.attn_q.weight"), error.getMessage());
        var withFallback = new SynthSpec("qwen2", 1, 896, 14, 2, 64, 4864, 0, 0, 0, 151_936, 4096, true, TensorType.Q8_0,
                TensorType.Q8_0, true, null, QWEN3_TOKENIZER, 1);
        assertEquals(TensorType.Q5_0, SynthPlan.rowCompatibleType(withFallback, "x", TensorType.Q4_K, 896));
        assertEquals(TensorType.Q8_0, SynthPlan.rowCompatibleType(withFallback, "x", TensorType.Q6_K, 896));
        assertEquals(TensorType.Q5_1, SynthPlan.rowCompatibleType(withFallback, "x", TensorType.Q5_K, 896));
        assertTrue(Arrays.asList(TensorType.values()).contains(TensorType.Q4_K));
    }
}
