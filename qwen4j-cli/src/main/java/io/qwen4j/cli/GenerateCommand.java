package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.Generation;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.TokenChoice;
import io.qwen4j.engine.speculative.SpeculationOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.StartupTrace;
import io.qwen4j.tokenizer.StreamingDecoder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j generate}: a raw prompt (no chat template) continued for up to {@code -n} tokens, greedy
 * unless {@code --temp} > 0 (../shared/CONTRACTS.md "Generation"). With {@code --json} it prints exactly one
 * object {@code {"prompt", "tokens", "steps": [{"token", "logprob", "top"}], "finish_reason", "timings"}};
 * without it the text streams to stdout as it is generated and the timings go to stderr.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a raw prompt (no chat template): greedy unless --temp > 0.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    SpeculationMixin speculation;

    /** Exactly one of the two prompt forms. */
    static final class PromptSource {
        @Option(names = "--prompt", paramLabel = "TEXT", required = true,
                description = "Prompt text, tokenized raw; special tokens such as <|im_start|> are parsed.")
        String text;

        @Option(names = "--prompt-tokens", paramLabel = "IDS", required = true,
                description = "Prompt as comma-separated token ids, e.g. 1,2,3.")
        String tokens;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource prompt;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "64",
            description = "Tokens to generate at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temp", paramLabel = "T", defaultValue = "0",
            description = "Temperature; 0 (default) = greedy.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Top-k (0 = off).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Top-p in (0, 1] (1 = off).")
    double topP;

    @Option(names = "--min-p", paramLabel = "M", defaultValue = "0", description = "Min-p in [0, 1] (0 = off).")
    double minP;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the sampler (default: random, when sampling).")
    Long seed;

    @Option(names = "--top-logprobs", paramLabel = "K", defaultValue = "0",
            description = "Report the K most likely tokens of each step (0-20).")
    int topLogprobs;

    @Option(names = "--json", description = "Print one JSON object with the prompt, tokens and per-step log-probs.")
    boolean json;

    @Option(names = "--kv-cache-type", paramLabel = "TYPE", defaultValue = "f32", completionCandidates = KvCacheTypeNames.class,
            description = "KV cache storage: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String kvCacheType;

    @Option(names = "--ignore-eos", description = "Do not stop at end-of-turn tokens.")
    boolean ignoreEos;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length (default: the model's).")
    Integer context;

    @Override
    public Integer call() throws Exception {
        StartupTrace.mark("command line parsed");
        // Everything the user typed is checked before the model is loaded, so a typo fails at once.
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, 1, 0, 0,
                seed == null ? OptionalLong.empty() : OptionalLong.of(seed), topLogprobs);
        if (maxTokens < 0) {
            throw new InvalidInputException("-n must be >= 0, got " + maxTokens);
        }
        if (context != null && context < 1) {
            throw new InvalidInputException("--ctx must be positive, got " + context);
        }
        KvCacheType kvType = KvCacheType.parse(kvCacheType);
        SpeculationOptions speculative = speculation.options();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);

        long start = System.nanoTime();
        try (LoadedModel loaded = model.load(System.err);
             LoadedModel draft = speculation.loadDraft(model, loaded, System.err)) {
            speculative = SpeculationMixin.withDraft(speculative, draft);
            int[] ids = promptIds(loaded);
            StartupTrace.mark("prompt tokenized");
            int modelContext = loaded.config().contextLength();
            int ctx = context == null ? modelContext : context;
            if (ctx > modelContext) {
                throw new InvalidInputException("--ctx " + ctx + " exceeds the model's context length of " + modelContext);
            }
            if (ids.length > ctx) {
                throw new InvalidInputException("the prompt has " + ids.length + " tokens, more than the context of "
                        + ctx + " tokens");
            }
            // The context bounds prompt + output (as vLLM's max_model_len does); the cache is sized for
            // what this run can use.
            int tokens = Math.min(maxTokens, ctx - ids.length);
            int capacity = Math.max(1, ids.length + tokens);
            var cache = ContiguousKvCache.forContext(loaded.config(), kvType, capacity);
            Set<Integer> stopIds = ignoreEos ? Set.of() : loaded.endOfTurnIds();
            long loadedAt = System.nanoTime();
            Generation generation = new Generator(loaded.model(), speculative)
                    .start(ids, cache, new GenerationRequest(sampling, tokens, stopIds));

            StreamingDecoder decoder = loaded.tokenizer().newStreamingDecoder();
            List<GenerationStep> steps = new ArrayList<>();
            long firstTokenAt = 0;
            while (generation.hasNext()) {
                GenerationStep step = generation.next();
                if (steps.isEmpty()) {
                    firstTokenAt = System.nanoTime();
                    StartupTrace.mark("first token");
                }
                steps.add(step);
                // The end-of-turn token ends the text; it is not part of it (it stays in the JSON).
                if (!json && !stopIds.contains(step.token())) {
                    out.print(decoder.next(step.token()));
                    out.flush();
                }
            }
            long end = System.nanoTime();
            FinishReason finish = generation.finishReason().orElseThrow();
            Timings timings = new Timings(ids.length, steps.size(), (loadedAt - start) / 1e6,
                    steps.isEmpty() ? 0 : (firstTokenAt - loadedAt) / 1e6,
                    steps.isEmpty() ? 0 : (end - firstTokenAt) / 1e6,
                    speculative.enabled() ? new Drafts(generation.forwardPasses(), generation.draftedTokens(),
                            generation.acceptedDrafts()) : null);
            if (json) {
                out.println(CompactJson.write(jsonResult(ids, steps, finish, timings)));
            } else {
                out.print(decoder.finish());
                out.println();
                System.err.println(timings.describe(finish));
            }
            out.flush();
            StartupTrace.mark("output written");
        }
        return 0;
    }

    private int[] promptIds(LoadedModel loaded) {
        int[] ids = prompt.text != null ? loaded.tokenizer().encode(prompt.text, true) : parseIds(prompt.tokens);
        if (ids.length == 0) {
            throw new InvalidInputException("the prompt is empty: it has no tokens");
        }
        int vocab = loaded.config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new InvalidInputException("prompt token id " + id + " is outside the vocabulary of " + vocab);
            }
        }
        return ids;
    }

    /** "1,2,3" (spaces allowed; a JSON-style "[1, 2]" too) into ids, naming any item that is not one. */
    static int[] parseIds(String list) {
        String body = list.strip();
        if (body.startsWith("[") && body.endsWith("]")) {
            body = body.substring(1, body.length() - 1);
        }
        if (body.isBlank()) {
            return new int[0];
        }
        String[] items = body.split(",", -1);
        int[] ids = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            try {
                ids[i] = Integer.parseInt(items[i].strip());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--prompt-tokens item " + (i + 1) + " '" + items[i].strip()
                        + "' is not a token id");
            }
        }
        return ids;
    }

    private static Map<String, Object> jsonResult(int[] prompt, List<GenerationStep> steps, FinishReason finish,
                                                  Timings timings) {
        List<Map<String, Object>> stepList = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        for (GenerationStep step : steps) {
            tokens.add(step.token());
            List<List<Object>> top = new ArrayList<>();
            for (TokenChoice.TopLogprob alternative : step.topLogprobs()) {
                top.add(List.of(alternative.token(), alternative.logprob()));
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("token", step.token());
            s.put("logprob", step.logprob());
            s.put("top", top);
            stepList.add(s);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("prompt", prompt);
        result.put("tokens", tokens);
        result.put("steps", stepList);
        result.put("finish_reason", finish.openAiName);
        result.put("timings", timings.asMap());
        return result;
    }

    /** What speculative decoding did in a run: forward passes, guessed tokens checked, and the right ones. */
    record Drafts(long forwardPasses, long drafted, long accepted) {
    }

    /** Wall times of one run: load, prefill + first token, the remaining tokens; drafts when speculative. */
    record Timings(int promptTokens, int generatedTokens, double loadMs, double firstTokenMs, double restMs,
                   Drafts drafts) {

        double promptTokensPerSecond() {
            return firstTokenMs > 0 ? promptTokens / (firstTokenMs / 1e3) : 0;
        }

        /** Decode speed over the steps after the first (the first one pays for the prefill). */
        double generatedTokensPerSecond() {
            return generatedTokens > 1 && restMs > 0 ? (generatedTokens - 1) / (restMs / 1e3) : 0;
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("load_ms", round(loadMs));
            m.put("prompt_ms", round(firstTokenMs));
            m.put("prompt_tokens_per_s", round(promptTokensPerSecond()));
            m.put("generation_ms", round(restMs));
            m.put("generation_tokens_per_s", round(generatedTokensPerSecond()));
            if (drafts != null) {
                m.put("forward_passes", drafts.forwardPasses());
                m.put("draft_tokens", drafts.drafted());
                m.put("draft_tokens_accepted", drafts.accepted());
            }
            return m;
        }

        String describe(FinishReason finish) {
            String speculative = drafts == null ? "" : String.format(Locale.ROOT,
                    " | %d passes, drafts %d of %d right", drafts.forwardPasses(), drafts.accepted(), drafts.drafted());
            return String.format(Locale.ROOT,
                    "[prompt: %d tokens, %.1f tok/s (incl. first token) | generated: %d tokens, %.1f tok/s%s | load %.0f ms | finish: %s]",
                    promptTokens, promptTokensPerSecond(), generatedTokens, generatedTokensPerSecond(), speculative,
                    loadMs, finish.openAiName);
        }

        private static double round(double v) {
            return Math.round(v * 100) / 100.0;
        }
    }
}
