package io.qwen4j.loader.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.convert.GgufTarget;
import io.qwen4j.convert.HfToGguf;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.model.GatedDeltaNetConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hybrid HF folder runs with the logits of the GGUF file llama.cpp's converter makes of it ({@link HfHybridFixture}
 * applies the converter's transforms; the GGUF path itself is checked against llama.cpp and the test reference).
 */
class HfHybridFolderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3_5", "qwen3_5_moe", "qwen3_next"})
    void folderMatchesTheConvertersGguf(String modelType) throws Exception {
        Path hf = dir.resolve(modelType);
        Path gguf = dir.resolve(modelType + ".gguf");
        HfHybridFixture.write(modelType, hf, gguf);
        var options = LoadOptions.defaults().withThreads(2);
        try (LoadedModel fromHf = ModelLoader.load(hf, options); LoadedModel fromGguf = ModelLoader.load(gguf, options)) {
            var h = fromHf.config();
            var g = fromGguf.config();
            assertEquals(g.architecture(), h.architecture());
            assertEquals(g.rotaryDim(), h.rotaryDim());
            assertEquals(g.sharedExpertSize(), h.sharedExpertSize());
            assertEquals(GatedDeltaNetConfig.ValueHeadOrder.GROUPED, h.gatedDeltaNet().valueHeadOrder());
            for (int l = 0; l < h.numLayers(); l++) {
                assertEquals(g.gatedDeltaNet().isLinear(l), h.gatedDeltaNet().isLinear(l), "layer " + l);
            }
            float[] expected = HfModelFolderTest.logits(fromGguf);
            double spread = 0;
            for (float v : expected) {
                spread = Math.max(spread, Math.abs(v));
            }
            assertTrue(spread > 1, "logits should not be degenerate, max |logit| " + spread);
            double d = HfModelFolderTest.maxDiff(HfModelFolderTest.logits(fromHf), expected);
            assertTrue(d < 1e-3, modelType + ": max logit difference " + d);
        }
    }

    /**
     * {@code convert} writes what llama.cpp's converter writes: the same tensors (the vision tower and MTP block left
     * out; Qwen3-Next in the older ssm_in / ssm_ba layout) and, with Qwen3.5's value heads tiled, the same logits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3_5", "qwen3_5_moe", "qwen3_next"})
    void convertWritesTheConvertersTensors(String modelType) throws Exception {
        Path hf = dir.resolve(modelType);
        Path fixture = dir.resolve(modelType + "-fixture.gguf");
        Path converted = dir.resolve(modelType + "-converted.gguf");
        HfHybridFixture.write(modelType, hf, fixture);
        HfToGguf.convert(hf, converted, GgufTarget.parse("f32"), line -> { });
        var options = LoadOptions.defaults().withThreads(2);
        try (LoadedModel a = ModelLoader.load(fixture, options); LoadedModel b = ModelLoader.load(converted, options);
             var file = GgufFile.open(converted); var expected = GgufFile.open(fixture)) {
            assertTrue(file.tensorInfo("blk.0.post_attention_norm.weight").isPresent());
            assertEquals(expected.tensorInfos().stream().map(t -> t.name()).sorted().toList(),
                    file.tensorInfos().stream().map(t -> t.name()).sorted().toList());
            double d = HfModelFolderTest.maxDiff(HfModelFolderTest.logits(b), HfModelFolderTest.logits(a));
            assertTrue(d < 1e-4, modelType + ": max logit difference " + d);
        }
    }
}
