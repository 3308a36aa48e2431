package io.qwen4j.cli;

import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.model.Model;
import io.qwen4j.serving.BatchScheduler;
import io.qwen4j.serving.SchedulerOptions;
import io.qwen4j.serving.StepListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j bench batch}: the continuous-batching scheduler on a real model. Aggregate decode tokens/s
 * at each concurrency as a ratio to one stream (same run), time to first token of a 32-token prompt on a
 * warm scheduler, and the time to first token after a repeated long system prompt with the prefix cache on
 * and off. Prompts are random token ids and EOS is ignored, so every stream decodes exactly {@code -n}.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Continuous batching: decode tok/s at 1..N streams (ratios to 1), TTFT, prefix-cache effect.")
public final class BenchBatchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    SpeculationMixin speculation;

    @Option(names = "--streams", split = ",", paramLabel = "N[,N...]", description = "Concurrent streams (default 1,4,8).")
    int[] streams = {1, 4, 8};

    @Option(names = {"-n", "--tokens"}, paramLabel = "N", description = "Tokens decoded per stream (default 64).")
    int tokens = 64;

    @Option(names = "--system-tokens", paramLabel = "N", description = "Length of the repeated system prompt (default 512).")
    int systemTokens = 512;

    @Option(names = "--runs", paramLabel = "N",
            description = "Rounds over the stream counts, interleaved; the best rate of each counts (default 3).")
    int runs = 3;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default f16).")
    String kvCacheType = "f16";

    @Override
    public Integer call() throws Exception {
        int maxStreams = Arrays.stream(streams).max().orElseThrow();
        if (tokens < 2 || runs < 1 || systemTokens < 1 || Arrays.stream(streams).min().orElseThrow() < 1) {
            throw new IllegalArgumentException("-n must be >= 2, --streams, --runs and --system-tokens >= 1");
        }
        PrintStream out = System.out;
        try (LoadedModel loaded = model.load(out);
             LoadedModel draft = speculation.loadDraft(model, loaded, out)) {
            Model m = loaded.model();
            int context = Math.min(loaded.config().contextLength(), Math.max(systemTokens + 64, 32 + tokens + 16));
            KvCacheType kvType = KvCacheType.parse(kvCacheType);
            var options = SchedulerOptions.defaults(context).withParallel(maxStreams)
                    .withKvCacheType(kvType)
                    .withSpeculation(SpeculationMixin.withDraft(speculation.options(), draft));
            var random = new Random(7);
            int vocab = Math.min(loaded.config().vocabSize(), loaded.tokenizer().size());
            out.printf(Locale.ROOT, "model %s, %d threads, context %d, kv %s%n", loaded.name(), loaded.pool().threads(),
                    context, kvType.label());
            try (var scheduler = new BatchScheduler(m, options)) {
                // warm up the JIT on prefill and batched decode
                decodeRate(scheduler, maxStreams, Math.min(tokens, 16), vocab, random);
                // Rounds interleave the stream counts, so a burst of load from elsewhere hits all of them alike.
                double[] best = new double[streams.length];
                for (int round = 0; round < runs; round++) {
                    for (int i = 0; i < streams.length; i++) {
                        best[i] = Math.max(best[i], decodeRate(scheduler, streams[i], tokens, vocab, random));
                    }
                }
                for (int i = 0; i < streams.length; i++) {
                    out.printf(Locale.ROOT, "decode  %2d streams: %8.1f tok/s aggregate  (%.2fx of %d stream%s; best of %d)%n",
                            streams[i], best[i], best[i] / best[0], streams[0], streams[0] == 1 ? "" : "s", runs);
                }
                if (options.speculation().enabled()) {
                    out.printf(Locale.ROOT, "drafts  %d of %d guessed tokens right%n", scheduler.acceptedDrafts(),
                            scheduler.draftedTokens());
                }
                double[] ttft = new double[5];
                for (int i = 0; i < ttft.length; i++) {
                    ttft[i] = firstToken(scheduler, randomTokens(random, 32, vocab)).millis;
                }
                out.printf(Locale.ROOT, "ttft    32-token prompt, warm: %.1f ms (median of %d)%n", median(ttft), ttft.length);
                int[] system = randomTokens(random, Math.min(systemTokens, context - 40), vocab);
                FirstToken cached = prefixRun(scheduler, system, random, vocab);
                try (var noCache = new BatchScheduler(m, options.withPrefixCaching(false))) {
                    FirstToken uncached = prefixRun(noCache, system, random, vocab);
                    out.printf(Locale.ROOT, "prefix  %d-token system prompt + 16 new tokens: ttft %.1f ms with the prefix cache"
                                    + " (%d tokens cached) vs %.1f ms without (%.2fx faster)%n", system.length,
                            cached.millis, cached.cachedTokens, uncached.millis, uncached.millis / cached.millis);
                }
            }
        }
        return 0;
    }

    private record FirstToken(double millis, int cachedTokens) {
    }

    /** The median TTFT of 3 requests sharing {@code system}, after one that puts it in the cache. */
    private static FirstToken prefixRun(BatchScheduler scheduler, int[] system, Random random, int vocab) {
        firstToken(scheduler, withSuffix(system, random, vocab));
        double[] ms = new double[3];
        int cachedTokens = 0;
        for (int i = 0; i < ms.length; i++) {
            FirstToken t = firstToken(scheduler, withSuffix(system, random, vocab));
            ms[i] = t.millis;
            cachedTokens = t.cachedTokens;
        }
        return new FirstToken(median(ms), cachedTokens);
    }

    private static int[] withSuffix(int[] system, Random random, int vocab) {
        int[] p = Arrays.copyOf(system, system.length + 16);
        System.arraycopy(randomTokens(random, 16, vocab), 0, p, system.length, 16);
        return p;
    }

    /** Submits one prompt for one token; the time from submit to that token. */
    private static FirstToken firstToken(BatchScheduler scheduler, int[] prompt) {
        var done = new CountDownLatch(1);
        long[] at = new long[1];
        int[] cached = new int[1];
        long start = System.nanoTime();
        scheduler.submit(prompt, request(1), new Listener(done) {
            @Override
            public void onPromptCached(int n) {
                cached[0] = n;
            }

            @Override
            public void onStep(GenerationStep step) {
                at[0] = System.nanoTime();
            }
        });
        await(done);
        return new FirstToken((at[0] - start) / 1e6, cached[0]);
    }

    /** Runs {@code n} streams of {@code tokens} at once; tokens/s from when all had their first token to the end. */
    private static double decodeRate(BatchScheduler scheduler, int n, int tokens, int vocab, Random random) {
        var done = new CountDownLatch(n);
        var firstTokens = new CountDownLatch(n);
        long[] lastFirst = new long[1];
        long[] end = new long[1];
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            prompts.add(randomTokens(random, 16, vocab));
        }
        for (int[] prompt : prompts) {
            scheduler.submit(prompt, request(tokens), new Listener(done) {
                int steps;

                @Override
                public void onStep(GenerationStep step) {
                    if (++steps == 1) {
                        synchronized (lastFirst) {
                            lastFirst[0] = Math.max(lastFirst[0], System.nanoTime());
                        }
                        firstTokens.countDown();
                    }
                }

                @Override
                public void onFinish(FinishReason reason) {
                    synchronized (end) {
                        end[0] = Math.max(end[0], System.nanoTime());
                    }
                    super.onFinish(reason);
                }
            });
        }
        await(done);
        return (double) n * (tokens - 1) / ((end[0] - lastFirst[0]) / 1e9);
    }

    private static GenerationRequest request(int maxTokens) {
        return new GenerationRequest(SamplingParams.greedy(), maxTokens, Set.of());
    }

    private static int[] randomTokens(Random random, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(vocab);
        }
        return t;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("benchmark requests did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Counts the request down when it ends; an error aborts the benchmark. */
    private static class Listener implements StepListener {
        private final CountDownLatch done;

        Listener(CountDownLatch done) {
            this.done = done;
        }

        @Override
        public void onStep(GenerationStep step) {
        }

        @Override
        public void onFinish(FinishReason reason) {
            done.countDown();
        }

        @Override
        public void onError(RuntimeException error) {
            error.printStackTrace();
            done.countDown();
        }
    }
}
