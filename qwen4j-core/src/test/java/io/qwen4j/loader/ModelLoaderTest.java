package io.qwen4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.SamplingDefaults;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.model.RopeScaling;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {

    static final Path QWEN3_TOKENIZER = findShared().resolve("qwen/qwen3");

    @TempDir
    Path dir;

    static Path findShared() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (d.resolve("../shared/README.md").toFile().isFile()) {
                return d.resolve("../shared").normalize();
            }
        }
        throw new IllegalStateException("../shared not found above " + Path.of("").toAbsolutePath());
    }

    static SynthSpec spec(String arch, boolean tied, SynthSpec.Yarn yarn) {
        boolean moe = arch.equals("qwen3moe");
        // qwen2 writes no key_length: its head size must come out as hidden / heads = 256 / 4 = 64.
        return new SynthSpec(arch, 2, 256, 4, 2, 64, 512, moe ? 4 : 0, moe ? 2 : 0, moe ? 128 : 0, 151_936, 2048,
                tied, TensorType.Q8_0, TensorType.Q8_0, false, yarn, QWEN3_TOKENIZER, 3);
    }

    @Test
    void readsTheConfigTheSynthesizerWrote() throws Exception {
        Path file = dir.resolve("tiny-qwen2.gguf");
        SyntheticModelWriter.write(spec("qwen2", false, new SynthSpec.Yarn(4f, 512)), file);
        try (LoadedModel m = ModelLoader.load(file, LoadOptions.defaults().withThreads(1))) {
            var c = m.config();
            assertEquals("tiny-qwen2", m.name());
            assertEquals("qwen2", c.architecture());
            assertEquals(256, c.hiddenSize());
            assertEquals(2, c.numLayers());
            assertEquals(4, c.numHeads());
            assertEquals(2, c.numKeyValueHeads());
            assertEquals(64, c.headDim());
            assertEquals(512, c.intermediateSize());
            assertEquals(151_936, c.vocabSize());
            assertEquals(2048, c.contextLength());
            assertEquals(false, c.tieWordEmbeddings());
            assertEquals(new RopeScaling.Yarn(4, 512), c.ropeScaling());
            // <|endoftext|> 151643 and <|im_end|> 151645 in the real Qwen vocabulary
            assertTrue(m.endOfTurnIds().containsAll(Set.of(151_643, 151_645)), m.endOfTurnIds().toString());
            assertTrue(m.chatTemplate().isPresent());
            assertEquals(SamplingDefaults.QWEN3, m.samplingDefaults());
            assertTrue(m.weightBytes() > 151_936L * 256, "weights cover at least the Q8_0 embedding");
        }
    }

    @Test
    void readsMoeFieldsAndTying() throws Exception {
        Path file = dir.resolve("moe.gguf");
        SyntheticModelWriter.write(spec("qwen3moe", true, null), file);
        try (LoadedModel m = ModelLoader.load(file, LoadOptions.defaults().withThreads(1))) {
            var c = m.config();
            assertEquals(4, c.numExperts());
            assertEquals(2, c.numExpertsUsed());
            assertEquals(128, c.moeIntermediateSize());
            assertEquals(64, c.headDim());
            assertTrue(c.tieWordEmbeddings());
            assertEquals(RopeScaling.NONE, c.ropeScaling());
        }
    }

    @Test
    void unsupportedArchitectureIsNamed() throws Exception {
        Path file = dir.resolve("llama.gguf");
        var w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.write(file);
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(file, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("'llama'") && e.getMessage().contains("qwen3"), e.getMessage());
    }

    @Test
    void missingMetadataIsNamed() throws Exception {
        Path file = dir.resolve("empty.gguf");
        var w = new GgufWriter();
        w.putString("general.architecture", "qwen3");
        w.write(file);
        var e = assertThrows(InvalidInputException.class, () -> ModelLoader.load(file, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("qwen3.embedding_length"), e.getMessage());
    }

    @Test
    void missingFileAndFolderAreClearErrors() {
        var e = assertThrows(InvalidInputException.class,
                () -> ModelLoader.load(dir.resolve("nope.gguf"), LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("nope.gguf"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> ModelLoader.load(dir, LoadOptions.defaults()));
        assertThrows(InvalidInputException.class, () -> new LoadOptions(-1, 8));
    }

    @Test
    void ggufWeightsFindByName() throws Exception {
        Path file = dir.resolve("w.gguf");
        SyntheticModelWriter.write(spec("qwen3", true, null), file);
        try (GgufFile g = GgufFile.open(file)) {
            var w = new GgufWeights(g);
            assertTrue(w.find("blk.1.attn_q_norm.weight").isPresent());
            assertTrue(w.find("output.weight").isEmpty());
        }
    }
}
