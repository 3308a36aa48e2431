package io.qwen4j.loader.hf;

import io.qwen4j.loader.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;

/** Test fixtures of this package for other test packages: small HF folders and logits helpers. */
public final class HfTestModels {

    private HfTestModels() {
    }

    public static Path qwen2(Path dir, String dtype) throws IOException {
        return write(HfFixture.qwen2(dtype), dir, "qwen2-" + dtype);
    }

    public static Path qwen3(Path dir, String dtype) throws IOException {
        return write(HfFixture.qwen3(dtype), dir, "qwen3-" + dtype);
    }

    public static Path qwen3Moe(Path dir, String dtype, int shards) throws IOException {
        return write(HfFixture.qwen3Moe(dtype, shards), dir, "qwen3moe-" + dtype);
    }

    private static Path write(HfFixture.Spec spec, Path dir, String name) throws IOException {
        Path hf = dir.resolve(name);
        HfFixture.write(spec, hf, dir.resolve(name + "-reference.gguf"));
        return hf;
    }

    public static float[] logits(LoadedModel m) {
        return HfModelFolderTest.logits(m);
    }

    public static double maxDiff(float[] a, float[] b) {
        return HfModelFolderTest.maxDiff(a, b);
    }
}
