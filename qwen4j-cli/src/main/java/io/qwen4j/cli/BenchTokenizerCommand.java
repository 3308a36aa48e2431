package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j bench tokenizer}: single-thread encode throughput on the shared corpus texts (repeated to a
 * few MB), against a baseline measured in the same run: pre-tokenization with {@code java.util.regex}
 * (Qwen's pattern) plus UTF-8 encoding of each piece, with no BPE at all. A ratio above 1 means the whole
 * tokenizer is faster than that regex split alone.
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Encode throughput of the tokenizer against a java.util.regex pre-tokenization baseline.")
public final class BenchTokenizerCommand implements Callable<Integer> {
    private static final String DEFAULT_CORPUS = "../shared/qwen/qwen3/tokenizer-cases.jsonl";
    private static final Pattern QWEN_SPLIT = Pattern.compile(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    @Mixin
    TokenizerSource source;

    @Option(names = "--corpus", paramLabel = "FILE", description = "JSON lines with \"text\". Default: " + DEFAULT_CORPUS)
    Path corpus;

    @Option(names = "--mb", paramLabel = "N", description = "Repeat the corpus to about N MB (default 4).")
    int megabytes = 4;

    @Option(names = "--runs", paramLabel = "N", description = "Timed runs; the best counts (default 5).")
    int runs = 5;

    @Option(names = "--json", description = "Print {\"mb_per_s\", \"tokens_per_s\", \"baseline_mb_per_s\", \"ratio\"}.")
    boolean json;

    /** Keeps the baseline's result observable so the JIT cannot drop its work. */
    static volatile long checksum;

    @Override
    public Integer call() throws Exception {
        if (megabytes < 1 || runs < 1) {
            throw new IllegalArgumentException("--mb and --runs must be at least 1");
        }
        Tokenizer tokenizer = source.load();
        String text = corpusText(corpus != null ? corpus : RepoPaths.fromRoot(DEFAULT_CORPUS), megabytes);
        double megabytesOfText = text.getBytes(StandardCharsets.UTF_8).length / 1e6;

        // Warm up both (JIT, word cache), then alternate timed runs so that both see the same machine noise.
        int tokens = tokenizer.encode(text).length;
        long sink = regexBaseline(text);
        tokenizer.encode(text);
        sink += regexBaseline(text);
        long best = Long.MAX_VALUE;
        long baselineBest = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            tokenizer.encode(text);
            best = Math.min(best, System.nanoTime() - start);
            start = System.nanoTime();
            sink += regexBaseline(text);
            baselineBest = Math.min(baselineBest, System.nanoTime() - start);
        }
        double mbPerS = megabytesOfText / (best / 1e9);
        double tokensPerS = tokens / (best / 1e9);
        double baselineMbPerS = megabytesOfText / (baselineBest / 1e9);
        var out = System.out;
        if (json) {
            var result = new java.util.LinkedHashMap<String, Double>();
            result.put("mb_per_s", round(mbPerS));
            result.put("tokens_per_s", round(tokensPerS));
            result.put("baseline_mb_per_s", round(baselineMbPerS));
            result.put("ratio", round(mbPerS / baselineMbPerS));
            out.println(new ObjectMapper().writeValueAsString(result));
        } else {
            out.printf(Locale.ROOT, "corpus: %.2f MB, %d tokens, best of %d runs, 1 thread%n", megabytesOfText, tokens, runs);
            out.printf(Locale.ROOT, "qwen4j encode:             %8.2f MB/s  %,12.0f tokens/s%n", mbPerS, tokensPerS);
            out.printf(Locale.ROOT, "baseline (regex split + UTF-8, no BPE): %8.2f MB/s%n", baselineMbPerS);
            out.printf(Locale.ROOT, "ratio: %.2f%n", mbPerS / baselineMbPerS);
        }
        checksum = sink;
        return 0;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** The baseline's work: every regex piece found and UTF-8 encoded; returns a checksum so it is not elided. */
    private static long regexBaseline(String text) {
        long sum = 0;
        Matcher m = QWEN_SPLIT.matcher(text);
        while (m.find()) {
            sum += m.group().getBytes(StandardCharsets.UTF_8).length;
        }
        return sum;
    }

    private static String corpusText(Path file, int megabytes) throws java.io.IOException {
        var mapper = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                texts.add(mapper.readTree(line).path("text").asText());
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts in corpus " + file);
        }
        String once = String.join("\n", texts);
        long onceBytes = once.getBytes(StandardCharsets.UTF_8).length + 1;
        long copies = Math.max(1, (megabytes * 1_000_000L + onceBytes - 1) / onceBytes);
        return (once + "\n").repeat((int) copies);
    }
}
