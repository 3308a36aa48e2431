import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.model.ModelConfig;
import java.util.Locale;
import java.util.Random;

/**
 * The attention reads of one decode step at depth D and nothing else, per KV cache type: for each of the 28 layers and
 * 8 KV heads of a Qwen3-0.6B-shaped cache (heads of 128, GQA groups of 2), the scores of two queries against all D keys
 * and the weighted sum of all D values, on one thread. Types are interleaved, best of 5 sweeps per round, 6 rounds, so
 * their ratios come from the same minutes of a shared box.
 *
 * <p>Why: {@code qwen4j bench -m … -d D} times whole decode steps, whose swings here (±20 %) hide the cache's part.
 *
 * <p>Usage, after {@code mvn -o -q install -DskipTests}:
 * {@code $JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp qwen4j-core/target/classes scripts/bench/KvCacheReads.java DEPTH TYPE...}
 */
public final class KvCacheReads {

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: KvCacheReads DEPTH TYPE... (types: " + KvCacheType.names() + ")");
            System.exit(2);
        }
        int depth = Integer.parseInt(args[0]);
        ModelConfig config = ModelConfig.builder("qwen3").hiddenSize(1024).numLayers(28).numHeads(16).numKeyValueHeads(8)
                .headDim(128).intermediateSize(3072).vocabSize(16).contextLength(depth).build();
        int layers = config.numLayers();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        int queries = config.numHeads() / kvHeads;
        var random = new Random(1);
        float[] key = new float[config.keyValueDim()];
        float[] value = new float[config.keyValueDim()];
        float[] query = new float[queries * headDim];
        float[] weights = new float[queries * depth];
        float[] scores = new float[queries * depth];
        float[] out = new float[queries * headDim];
        for (int i = 0; i < query.length; i++) {
            query[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] = random.nextFloat() / depth;
        }
        int types = args.length - 1;
        ContiguousKvCache[] caches = new ContiguousKvCache[types];
        for (int t = 0; t < types; t++) {
            caches[t] = ContiguousKvCache.forContext(config, KvCacheType.parse(args[1 + t]), depth);
            for (int l = 0; l < layers; l++) {
                for (int p = 0; p < depth; p++) {
                    for (int i = 0; i < key.length; i++) {
                        key[i] = (float) random.nextGaussian();
                        value[i] = (float) random.nextGaussian();
                    }
                    caches[t].write(l, p, key, 0, value, 0);
                }
            }
        }
        double[] best = new double[types];
        for (int round = 0; round < 6; round++) {
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int t = 0; t < types; t++) {
                double fastest = Double.MAX_VALUE;
                for (int sweep = 0; sweep < 5; sweep++) {
                    long start = System.nanoTime();
                    for (int l = 0; l < layers; l++) {
                        for (int h = 0; h < kvHeads; h++) {
                            caches[t].keyScores(l, h, query, 0, queries, depth, scores, 0);
                            caches[t].accumulateValues(l, h, weights, 0, queries, depth, out, 0);
                        }
                    }
                    fastest = Math.min(fastest, (System.nanoTime() - start) / 1e6);
                }
                best[t] = round == 0 ? fastest : Math.min(best[t], fastest);
                line.append(String.format(Locale.ROOT, "  %s %.1f ms", args[1 + t], fastest));
            }
            System.out.println(line);
        }
        StringBuilder summary = new StringBuilder("best per step at depth " + depth + ":");
        for (int t = 0; t < types; t++) {
            summary.append(String.format(Locale.ROOT, "  %s %.1f ms (%.2fx of %s)", args[1 + t], best[t], best[t] / best[0], args[1]));
        }
        System.out.println(summary + "  [out " + out[0] + "]");
    }
}
