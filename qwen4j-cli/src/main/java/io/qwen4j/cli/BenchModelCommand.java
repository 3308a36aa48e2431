package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.kernels.KernelThroughput;
import io.qwen4j.kernels.MemoryBandwidth;
import io.qwen4j.loader.DecodeTraffic;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.model.ForwardBatch;
import io.qwen4j.model.Model;
import io.qwen4j.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code qwen4j bench -m MODEL}: llama-bench's two tests plus the bandwidth ceiling, in one run.
 * <ul>
 *   <li>{@code ppP}: a prefill of P random tokens into an empty cache (batched passes);</li>
 *   <li>{@code tgN}: N single-token decode steps from an empty context, as llama-bench runs them;</li>
 *   <li>each after untimed warm-up runs (at least one, for {@code --warmup} seconds, default 3), then
 *       {@code -r} timed runs: mean and sample
 *       stddev of tokens/s;</li>
 *   <li>after the prefill test, the best GFLOP/s of the batched matmul alone on layer 0's matrices with the
 *       same batch ({@link KernelThroughput}), and the prefill's ratio to it;</li>
 *   <li>memory read bandwidth with the same threads ({@link MemoryBandwidth}), bytes a decode step reads
 *       (weights: {@link DecodeTraffic}; the KV cache at the test's mean context; a hybrid's recurrent state, read and
 *       written), the ceiling bandwidth /
 *       bytes, and decode's ratio to it;</li>
 *   <li>with {@code -d D}, both tests start at position D of a cache holding D tokens of context.</li>
 * </ul>
 * Run by {@link BenchCommand} when {@code -m} is given; the JSON shape is fixed by ../shared/CONTRACTS.md.
 */
final class BenchModelCommand {

    record Settings(int promptTokens, int genTokens, int depth, KvCacheType kvCacheType, int repetitions,
                    double warmupSeconds, boolean json) {
        Settings {
            if (depth < 0) {
                throw new InvalidInputException("-d must be >= 0, got " + depth);
            }
            if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) {
                throw new InvalidInputException("--warmup must be between 0 and 600 seconds, got " + warmupSeconds);
            }
            if (promptTokens < 0 || genTokens < 0 || (promptTokens == 0 && genTokens == 0)) {
                throw new InvalidInputException("-p and -n must be >= 0 and not both 0, got -p " + promptTokens
                        + " -n " + genTokens);
            }
            if (repetitions < 1) {
                throw new InvalidInputException("-r must be >= 1, got " + repetitions);
            }
        }
    }

    /** One test's samples in tokens/s. */
    record Result(String test, int nPrompt, int nGen, double[] samples, Double gflops) {
        /** llama-bench's name of a test: {@code pp128}, {@code tg64}, at a depth {@code pp128 @ d4096}. */
        static String name(String kind, int tokens, int depth) {
            return kind + tokens + (depth > 0 ? " @ d" + depth : "");
        }

        double mean() {
            double s = 0;
            for (double v : samples) {
                s += v;
            }
            return s / samples.length;
        }

        /** Sample standard deviation (n - 1), 0 for one sample, as llama-bench reports it. */
        double stddev() {
            if (samples.length < 2) {
                return 0;
            }
            double m = mean();
            double s = 0;
            for (double v : samples) {
                s += (v - m) * (v - m);
            }
            return Math.sqrt(s / (samples.length - 1));
        }
    }

    /** How long each layer-0 matrix is timed alone for the prefill kernel's yardstick. */
    private static final double KERNEL_SECONDS = 0.3;

    private final Settings settings;

    BenchModelCommand(Settings settings) {
        this.settings = settings;
    }

    int run(ModelOptions modelOptions, PrintStream out) throws Exception {
        Path path = modelOptions.resolve(System.err);
        if (Files.isDirectory(path)) {
            // the bytes a decode step reads come from the GGUF tensor table
            throw new InvalidInputException("bench -m needs a GGUF file; " + path + " is a folder: convert a"
                    + " Hugging Face folder first (qwen4j convert DIR -o FILE.gguf --type f16)");
        }
        int maxBatchTokens = LoadOptions.defaults().maxBatchTokens();
        try (LoadedModel loaded = modelOptions.load(path, maxBatchTokens);
             GgufFile gguf = GgufFile.open(path)) {
            DecodeTraffic traffic = DecodeTraffic.of(gguf.tensorInfos(), loaded.config().numExperts(),
                    loaded.config().numExpertsUsed(), loaded.config().numLayers());
            List<Tensor> layerZero = new ArrayList<>();
            for (var info : gguf.tensorInfos()) {
                if (info.name().startsWith("blk.0.") && info.shape().length == 2 && info.shape()[1] > 1) {
                    layerZero.add(gguf.tensor(info));
                }
            }
            Model model = loaded.model();
            int depth = settings.depth;
            int capacity = depth + Math.max(1, Math.max(settings.promptTokens, settings.genTokens));
            if (capacity > loaded.config().contextLength()) {
                throw new InvalidInputException("-d plus -p/-n come to " + capacity
                        + " tokens, more than the model's context of " + loaded.config().contextLength());
            }
            var cache = ContiguousKvCache.forContext(loaded.config(), settings.kvCacheType, capacity);
            var random = new SplittableRandom(1234);
            int vocab = loaded.config().vocabSize();
            if (depth > 0) {
                // Once, untimed: every test writes only positions from the depth on, so the context below it
                // stays valid for all runs (llama-bench prefills it again before each).
                int[] context = random.ints(depth, 0, vocab).toArray();
                model.forward(ForwardBatch.of(new ForwardBatch.Sequence(context, 0, cache)));
            }
            List<Result> results = new ArrayList<>();
            KernelThroughput.Best kernel = null;
            if (settings.promptTokens > 0) {
                int[] prompt = random.ints(settings.promptTokens, 0, vocab).toArray();
                double[] samples = repeat(() -> {
                    model.forward(ForwardBatch.of(new ForwardBatch.Sequence(prompt, depth, cache)));
                    return prompt.length;
                });
                // tokens/s x FLOPs per token; the LM head runs on the last prompt token only
                double gflops = traffic.prefillFlops(settings.promptTokens) / settings.promptTokens * mean(samples) / 1e9;
                results.add(new Result(Result.name("pp", settings.promptTokens, depth), settings.promptTokens, 0,
                        samples, gflops));
            }
            if (settings.genTokens > 0) {
                int[] tokens = random.ints(settings.genTokens, 0, vocab).toArray();
                double[] samples = repeat(() -> {
                    for (int i = 0; i < tokens.length; i++) {
                        model.forward(ForwardBatch.of(new ForwardBatch.Sequence(new int[] {tokens[i]}, depth + i, cache)));
                    }
                    return tokens.length;
                });
                results.add(new Result(Result.name("tg", settings.genTokens, depth), 0, settings.genTokens, samples,
                        null));
            }
            // After pp and tg, so that its seconds of batched matmuls on layer 0 cannot shape the JIT profile
            // that decode is measured under.
            if (settings.promptTokens > 0 && !layerZero.isEmpty()) {
                // the batch the prefill's passes run at: a longer prompt runs in slices of maxBatchTokens
                kernel = KernelThroughput.measure(loaded.pool(), layerZero,
                        Math.min(settings.promptTokens, maxBatchTokens), KERNEL_SECONDS);
            }
            double bandwidth = MemoryBandwidth.measure(loaded.pool(), MemoryBandwidth.DEFAULT_BYTES,
                    MemoryBandwidth.DEFAULT_PASSES);
            // a decode step reads the weights and the keys and values of every position it attends to: on
            // average the depth plus half the steps (a few MB at depth 0, as much as the weights at long context)
            long kvBytes = settings.genTokens == 0 ? 0 : Math.round(ContiguousKvCache.bytesPerPosition(
                    loaded.config(), settings.kvCacheType) * (depth + (settings.genTokens + 1) / 2.0));
            // a hybrid's linear attention reads its recurrent state and writes it back every step
            long stateBytes = settings.genTokens == 0 ? 0 : 2 * loaded.config().recurrentStateBytes();
            long bytesPerToken = traffic.bytesPerToken() + kvBytes + stateBytes;
            double ceiling = bandwidth * 1e9 / bytesPerToken;
            Double ratio = null;
            for (Result r : results) {
                if (r.nGen > 0) {
                    ratio = r.mean() / ceiling;
                }
            }
            Report report = new Report(loaded, traffic, results, depth, bytesPerToken, kvBytes, stateBytes, bandwidth,
                    ceiling, ratio, kernel);
            if (settings.json) {
                out.println(new ObjectMapper().writeValueAsString(report.asJson(settings.repetitions)));
            } else {
                report.printTable(out);
            }
            out.flush();
        }
        return 0;
    }

    @FunctionalInterface
    private interface Timed {
        /** Runs the test once and returns the tokens it processed. */
        int run();
    }

    /**
     * Warm-up runs (at least one, and at least {@code --warmup} seconds in all), then {@code -r} timed runs,
     * in tokens/s. One run is llama-bench's warm-up; more time is needed here because the Vector API
     * kernels run boxed until C2 has compiled them, and on a busy machine the compiler threads lag:
     * allocation profiles showed the kernels still allocating 2-3 s into a run.
     */
    private double[] repeat(Timed test) {
        long warmupStart = System.nanoTime();
        long warmupNanos = (long) (settings.warmupSeconds * 1e9);
        do {
            test.run();
        } while (System.nanoTime() - warmupStart < warmupNanos);
        double[] samples = new double[settings.repetitions];
        for (int i = 0; i < samples.length; i++) {
            long start = System.nanoTime();
            int tokens = test.run();
            samples[i] = tokens / ((System.nanoTime() - start) / 1e9);
        }
        return samples;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private record Report(LoadedModel loaded, DecodeTraffic traffic, List<Result> results, int depth,
                          long bytesPerToken, long kvBytes, long stateBytes, double bandwidth, double ceiling, Double ratio,
                          KernelThroughput.Best kernel) {

        Map<String, Object> asJson(int repetitions) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", loaded.name());
            m.put("model_size", loaded.weightBytes());
            m.put("n_threads", loaded.pool().threads());
            m.put("repetitions", repetitions);
            List<Map<String, Object>> list = new ArrayList<>();
            for (Result r : results) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("test", r.test);
                e.put("n_prompt", r.nPrompt);
                e.put("n_gen", r.nGen);
                if (depth > 0) {
                    e.put("n_depth", depth);
                }
                e.put("avg_ts", round(r.mean()));
                e.put("stddev_ts", round(r.stddev()));
                List<Double> samples = new ArrayList<>();
                for (double s : r.samples) {
                    samples.add(round(s));
                }
                e.put("samples_ts", samples);
                if (r.gflops != null) {
                    e.put("gflops", round(r.gflops));
                    if (kernel != null) {
                        e.put("kernel_gflops", round(kernel.gflops()));
                        e.put("kernel_tensor", kernel.tensor());
                        e.put("kernel_ratio", Math.round(r.gflops / kernel.gflops() * 1000) / 1000.0);
                    }
                }
                list.add(e);
            }
            m.put("results", list);
            m.put("mem_bw_gbs", round(bandwidth));
            m.put("bytes_per_token", bytesPerToken);
            m.put("tg_ceiling_ts", round(ceiling));
            m.put("tg_ceiling_ratio", ratio == null ? null : Math.round(ratio * 1000) / 1000.0);
            m.put("active_params", traffic.activeParameters());
            return m;
        }

        void printTable(PrintStream out) {
            String size = String.format(Locale.ROOT, "%.2f GiB", loaded.weightBytes() / (double) (1L << 30));
            String params = String.format(Locale.ROOT, "%.2f B", traffic.activeParameters() / 1e9);
            String header = String.format(Locale.ROOT, "| %-28s | %10s | %10s | %7s | %8s | %20s | %8s |",
                    "model", "size", "act.params", "threads", "test", "t/s", "GFLOP/s");
            out.println(header);
            out.println(header.replaceAll("[^|]", "-"));
            for (Result r : results) {
                out.println(String.format(Locale.ROOT, "| %-28s | %10s | %10s | %7d | %8s | %20s | %8s |",
                        loaded.name(), size, params, loaded.pool().threads(), r.test,
                        String.format(Locale.ROOT, "%.2f ± %.2f", r.mean(), r.stddev()),
                        r.gflops == null ? "" : String.format(Locale.ROOT, "%.1f", r.gflops)));
            }
            out.printf(Locale.ROOT, "%nmemory read bandwidth: %.2f GB/s (%d threads, 1 GiB, best of 5)%n",
                    bandwidth, loaded.pool().threads());
            out.printf(Locale.ROOT, "bytes read per decode step: %,d (KV cache %,d%s)  ->  decode ceiling %.2f t/s%n",
                    bytesPerToken, kvBytes, stateBytes == 0 ? ""
                            : String.format(Locale.ROOT, ", recurrent state read and written %,d", stateBytes), ceiling);
            if (ratio != null) {
                out.printf(Locale.ROOT, "decode / ceiling: %.1f %%%n", ratio * 100);
            }
            for (Result r : results) {
                if (r.gflops != null && kernel != null) {
                    out.printf(Locale.ROOT, "best single kernel: %.1f GFLOP/s (matmul %s, %dx%d, batch %d, best of %.1f s)"
                            + "  ->  %s / kernel: %.1f %%%n", kernel.gflops(), kernel.tensor(), kernel.rows(),
                            kernel.cols(), kernel.batch(), KERNEL_SECONDS, r.test, r.gflops / kernel.gflops() * 100);
                }
            }
        }

        private static double round(double v) {
            return Math.round(v * 100) / 100.0;
        }
    }
}
