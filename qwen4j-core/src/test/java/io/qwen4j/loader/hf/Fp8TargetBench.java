package io.qwen4j.loader.hf;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Not a test: measures what FP8 weights should become at load. For each target type it reports load time,
 * resident weight bytes, decode speed (one token at a time) and the max logit difference from the exact
 * F32 dequantization. Run: {@code java -cp ... io.qwen4j.loader.hf.Fp8TargetBench [hidden layers ffn threads]}.
 */
public final class Fp8TargetBench {

    public static void main(String[] args) throws Exception {
        int hidden = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int ffn = args.length > 2 ? Integer.parseInt(args[2]) : 3072;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        var spec = new HfFixture.Spec("qwen3", hidden, layers, hidden / 64, hidden / 128, 64, ffn, 0, 0, 0, true,
                "F8_E4M3", 128, "BF16", 1, 5, HfFixture.SMALL_VOCAB);
        Path dir = Files.createTempDirectory("fp8bench");
        Path hf = dir.resolve("hf");
        HfFixture.write(spec, hf, dir.resolve("unused.gguf"));
        Files.delete(dir.resolve("unused.gguf"));
        var options = LoadOptions.defaults().withThreads(threads);
        float[] exact = null;
        System.out.printf("FP8 qwen3 hidden %d layers %d ffn %d, %d threads, folder %s%n", hidden, layers, ffn, threads, hf);
        for (TensorType target : List.of(TensorType.F32, TensorType.BF16, TensorType.F16, TensorType.Q8_0)) {
            long t0 = System.nanoTime();
            try (LoadedModel m = HfModelFolder.load(hf, options, target)) {
                double loadMs = (System.nanoTime() - t0) / 1e6;
                float[] logits = HfModelFolderTest.logits(m);
                if (exact == null) {
                    exact = logits;
                    double max = 0;
                    for (float v : logits) {
                        max = Math.max(max, Math.abs(v));
                    }
                    System.out.printf("max |logit| %.2f%n", max);
                }
                double err = HfModelFolderTest.maxDiff(logits, exact);
                double tokPerS = decode(m, 8) > 0 ? 32 / decode(m, 32) : 0;
                System.out.printf("%-5s load %7.0f ms  weights %6.1f MB  decode %6.1f tok/s  max|dlogit| vs F32 %.4f%n",
                        target, loadMs, m.weightBytes() / 1e6, tokPerS, err);
            }
        }
    }

    /** Seconds to decode {@code n} tokens one at a time. */
    private static double decode(LoadedModel m, int n) {
        var cache = ContiguousKvCache.forContext(m.config(), KvCacheType.F32, n + 1);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            m.model().forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {100 + i}, i, cache)));
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
