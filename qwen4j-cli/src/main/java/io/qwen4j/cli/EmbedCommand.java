package io.qwen4j.cli;

import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.Pooling;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.InvalidInputException;
import io.qwen4j.loader.LoadedModel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code qwen4j embed [-m MODEL] TEXT...}: each text's embedding (Qwen3-Embedding: the last token's final hidden
 * state, scaled to unit length), then, for several texts, their cosine similarities.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed texts (Qwen3-Embedding style: last-token pooling, unit length) and print their cosine similarities.")
public final class EmbedCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "Texts to embed (special tokens are parsed).")
    List<String> texts;

    @Option(names = "--pooling", paramLabel = "P",
            description = "mean, cls or last (default: the file's pooling_type, else last).")
    String pooling;

    @Option(names = "--dimensions", paramLabel = "N", description = "Keep the first N values (Matryoshka), rescaled to unit length.")
    Integer dimensions;

    @Option(names = "--no-normalize", description = "Print the pooled state as is, not scaled to unit length.")
    boolean noNormalize;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", defaultValue = "f32", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String kvCacheType;

    @Option(names = "--json", description = "Print one JSON object: {\"model\", \"pooling\", \"data\": [{\"index\", \"tokens\", \"embedding\"}]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        KvCacheType cacheType = KvCacheType.parse(kvCacheType);
        Pooling chosen = pooling == null ? null : Pooling.parse(pooling);
        if (dimensions != null && dimensions < 1) {
            throw new InvalidInputException("--dimensions must be positive, got " + dimensions);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (LoadedModel loaded = model.load(System.err)) {
            Pooling use = chosen != null ? chosen : loaded.embedding().embeddingPooling();
            var embedder = new Embedder(loaded.model(), cacheType, loaded.config().contextLength());
            List<int[]> inputs = new ArrayList<>();
            for (String text : texts) {
                inputs.add(Embedder.textTokens(loaded.tokenizer(), text, use));
            }
            // last-token texts that share their first tokens (an instruction) run it once, as in the server
            Embedder.Session session = embedder.session(inputs, use);
            List<float[]> vectors = new ArrayList<>();
            List<Map<String, Object>> data = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                int[] tokens = inputs.get(i);
                float[] v = session.embed(tokens, !noNormalize, () -> { });
                if (dimensions != null) {
                    v = Embedder.truncate(v, dimensions, !noNormalize);
                }
                vectors.add(v);
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("index", i);
                item.put("tokens", tokens.length);
                item.put("embedding", boxed(v));
                data.add(item);
            }
            if (json) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("model", loaded.name());
                result.put("pooling", use.id());
                result.put("data", data);
                out.println(CompactJson.write(result));
            } else {
                print(out, vectors, data);
            }
        }
        out.flush();
        return 0;
    }

    private void print(PrintStream out, List<float[]> vectors, List<Map<String, Object>> data) {
        for (int i = 0; i < vectors.size(); i++) {
            float[] v = vectors.get(i);
            StringBuilder line = new StringBuilder("embedding " + i + " (" + data.get(i).get("tokens") + " tokens, "
                    + v.length + " values):");
            for (float x : v) {
                line.append(' ').append(x);
            }
            out.println(line);
        }
        if (vectors.size() > 1) {
            out.println("cosine similarity:");
            for (float[] a : vectors) {
                StringBuilder row = new StringBuilder();
                for (float[] b : vectors) {
                    row.append(String.format(java.util.Locale.ROOT, "%8.4f", cosine(a, b)));
                }
                out.println(row);
            }
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    private static List<Float> boxed(float[] v) {
        List<Float> list = new ArrayList<>(v.length);
        for (float x : v) {
            list.add(x);
        }
        return list;
    }
}
