package io.qwen4j.cli;

import io.qwen4j.embed.Embedder;
import io.qwen4j.embed.Reranker;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.loader.LoadedModel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code qwen4j rerank [-m MODEL] --query Q DOC...}: the documents by relevance, as Qwen3-Reranker scores them. */
@Command(name = "rerank", mixinStandardHelpOptions = true,
        description = "Score documents against a query (Qwen3-Reranker: P(yes) of its judging prompt), most relevant first.")
public final class RerankCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--query", paramLabel = "TEXT", required = true, description = "The query.")
    String query;

    @Option(names = "--instruction", paramLabel = "TEXT",
            description = "The task, as Qwen3-Reranker's <Instruct> (default: its web-search one, or the file's rerank template).")
    String instruction;

    @Parameters(paramLabel = "DOC", arity = "1..*", description = "Documents to score.")
    List<String> documents;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", defaultValue = "f32", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String kvCacheType;

    @Option(names = "--json", description = "Print one JSON object: {\"model\", \"results\": [{\"index\", \"relevance_score\"}]}, most relevant first.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        KvCacheType cacheType = KvCacheType.parse(kvCacheType);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (LoadedModel loaded = model.load(System.err)) {
            var embedder = new Embedder(loaded.model(), cacheType, loaded.config().contextLength());
            var reranker = new Reranker(loaded.model(), loaded.tokenizer(), loaded.embedding(), embedder);
            List<Map<String, Object>> results = new ArrayList<>();
            List<int[]> prompts = new ArrayList<>();
            for (String document : documents) {
                prompts.add(reranker.tokens(query, document, Optional.ofNullable(instruction)));
            }
            // the prompts share the judging prompt and the query: each runs from where it leaves the one before
            Reranker.Scorer scorer = reranker.scorer(prompts);
            for (int i = 0; i < documents.size(); i++) {
                double score = scorer.score(prompts.get(i), () -> { });
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("index", i);
                item.put("relevance_score", score);
                results.add(item);
            }
            results.sort(Comparator.comparingDouble((Map<String, Object> r) -> (Double) r.get("relevance_score")).reversed());
            if (json) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("model", loaded.name());
                result.put("results", results);
                out.println(CompactJson.write(result));
            } else {
                for (Map<String, Object> r : results) {
                    out.println(String.format(java.util.Locale.ROOT, "%.6f  [%d] %s", (Double) r.get("relevance_score"),
                            (Integer) r.get("index"), documents.get((Integer) r.get("index"))));
                }
            }
        }
        out.flush();
        return 0;
    }
}
