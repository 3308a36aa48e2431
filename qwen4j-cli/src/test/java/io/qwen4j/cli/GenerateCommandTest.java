package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qwen4j generate} and {@code qwen4j bench -m} on a tiny synthetic Qwen3 with the real tokenizer. */
class GenerateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static String model;

    @BeforeAll
    static void synthesize() throws Exception {
        Path file = dir.resolve("tiny-qwen3.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 64, 0, 0, 0, 151_936, 64, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen3"), 5), file);
        model = file.toString();
    }

    /** The tiny model's shapes with Qwen2.5's tokenizer (4 tokens fewer than Qwen3's). */
    private static String qwen25Model() {
        Path file = dir.resolve("tiny-qwen2.5-vocab.gguf");
        try {
            SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 32, 64, 0, 0, 0, 151_936, 64, true,
                    TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen2.5"), 5), file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file.toString();
    }

    private static JsonNode json(CliRun run) throws Exception {
        assertEquals(0, run.status(), run.err());
        return JSON.readTree(run.out());
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> list = new ArrayList<>();
        array.forEach(n -> list.add(n.intValue()));
        return list;
    }

    @Test
    void jsonHasPromptTokensAndSteps() throws Exception {
        JsonNode r = json(CliRun.run("", "generate", "-m", model, "--prompt-tokens", "1,2,3", "-n", "5",
                "--ignore-eos", "--json"));
        assertEquals(List.of(1, 2, 3), ints(r.get("prompt")));
        assertEquals(5, r.get("tokens").size());
        assertEquals(5, r.get("steps").size());
        for (int i = 0; i < 5; i++) {
            JsonNode step = r.get("steps").get(i);
            assertEquals(r.get("tokens").get(i).intValue(), step.get("token").intValue());
            assertTrue(step.get("logprob").isNumber() && step.get("logprob").doubleValue() <= 0, step.toString());
            assertTrue(step.get("top").isArray() && step.get("top").isEmpty(), "no alternatives unless asked");
        }
        assertEquals("length", r.get("finish_reason").asText());
    }

    @Test
    void promptTokensAcceptSpacesAndZeroTokensIsAnEmptyRun() throws Exception {
        JsonNode r = json(CliRun.run("", "generate", "-m", model, "--prompt-tokens", " 4, 5 ,6", "-n", "0", "--json"));
        assertEquals(List.of(4, 5, 6), ints(r.get("prompt")));
        assertTrue(r.get("tokens").isEmpty() && r.get("steps").isEmpty(), r.toString());
        assertEquals("length", r.get("finish_reason").asText());
        assertBad("x7", "generate", "-m", model, "--prompt-tokens", "1,x7");
        assertBad("empty", "generate", "-m", model, "--prompt-tokens", "");
    }

    @Test
    void topLogprobsAreSortedAndGreedyPicksTheFirst() throws Exception {
        JsonNode r = json(CliRun.run("", "generate", "-m", model, "--prompt-tokens", "9707,11", "-n", "4",
                "--top-logprobs", "5", "--ignore-eos", "--json"));
        for (JsonNode step : r.get("steps")) {
            JsonNode top = step.get("top");
            assertEquals(5, top.size());
            for (int i = 1; i < top.size(); i++) {
                assertTrue(top.get(i - 1).get(1).doubleValue() >= top.get(i).get(1).doubleValue(), top.toString());
            }
            assertEquals(step.get("token").intValue(), top.get(0).get(0).intValue(), "greedy = most likely");
            assertEquals(step.get("logprob").doubleValue(), top.get(0).get(1).doubleValue(), 0);
        }
    }

    @Test
    void promptTextParsesSpecialTokensAndMatchesPromptTokens() throws Exception {
        JsonNode byText = json(CliRun.run("", "generate", "-m", model, "--prompt", "<|im_start|>user\nHi", "-n", "3",
                "--ignore-eos", "--json"));
        List<Integer> prompt = ints(byText.get("prompt"));
        assertEquals(151_644, prompt.get(0), "<|im_start|> is one id");
        String ids = String.join(",", prompt.stream().map(String::valueOf).toList());
        JsonNode byIds = json(CliRun.run("", "generate", "-m", model, "--prompt-tokens", ids, "-n", "3",
                "--ignore-eos", "--json"));
        assertEquals(byText.get("tokens"), byIds.get("tokens"));
    }

    @Test
    void seededSamplingIsReproducibleAndTextModeStreamsTheDecodedTokens() throws Exception {
        String[] args = {"generate", "-m", model, "--prompt", "Hello", "-n", "6", "--temp", "1.5", "--top-k", "50",
            "--top-p", "0.9", "--min-p", "0.01", "--seed", "7", "--ignore-eos"};
        JsonNode a = json(CliRun.run("", append(args, "--json")));
        JsonNode b = json(CliRun.run("", append(args, "--json")));
        assertEquals(a.get("tokens"), b.get("tokens"));
        CliRun text = CliRun.run("", args);
        assertEquals(0, text.status(), text.err());
        try (LoadedModel m = ModelLoader.load(Path.of(model), LoadOptions.defaults().withThreads(1))) {
            int[] tokens = ints(a.get("tokens")).stream().mapToInt(Integer::intValue).toArray();
            assertEquals(m.tokenizer().decode(tokens) + System.lineSeparator(), text.out());
        }
        assertTrue(text.err().contains("tok/s"), text.err());
    }

    @Test
    void speculativeDecodingGivesTheSameStepsAndReportsItsPasses() throws Exception {
        // a prompt that repeats itself, so prompt lookup has guesses to check
        String[] args = {"generate", "-m", model, "--prompt", "one two three four five one two three four five one two",
            "-n", "24", "--ignore-eos", "--top-logprobs", "2", "--json"};
        JsonNode plain = json(CliRun.run("", args));
        // single repeated tokens count as matches: this 1-layer model's output rarely repeats longer runs
        JsonNode guessed = json(CliRun.run("", append(args, "--speculative", "ngram", "--draft-always", "--draft-max", "4", "--ngram-min",
                "1")));
        assertEquals(plain.get("tokens"), guessed.get("tokens"));
        for (int i = 0; i < plain.get("steps").size(); i++) {
            assertEquals(plain.get("steps").get(i).get("logprob").asDouble(),
                    guessed.get("steps").get(i).get("logprob").asDouble(), 1e-4, "step " + i);
        }
        JsonNode timings = guessed.get("timings");
        assertEquals(24, timings.get("forward_passes").asInt() + timings.get("draft_tokens_accepted").asInt(),
                "each token from a pass's first row or a right guess");
        assertTrue(timings.get("draft_tokens").asInt() > 0, timings.toString());
        assertTrue(timings.get("draft_tokens").asInt() >= timings.get("draft_tokens_accepted").asInt());
        assertFalse(plain.get("timings").has("forward_passes"), "reported only when speculating");
        // the model guessing for itself: the same steps again
        JsonNode drafted = json(CliRun.run("", append(args, "--model-draft", model, "--draft-always", "--draft-max", "2")));
        assertEquals(plain.get("tokens"), drafted.get("tokens"));
        assertEquals(24, drafted.get("timings").get("forward_passes").asInt()
                + drafted.get("timings").get("draft_tokens_accepted").asInt());
    }

    @Test
    void f16CacheAndContextLimit() throws Exception {
        JsonNode r = json(CliRun.run("", "generate", "-m", model, "--prompt-tokens", "1,2", "-n", "10", "--ctx", "5",
                "--kv-cache-type", "f16", "--ignore-eos", "--json"));
        assertEquals(3, r.get("tokens").size(), "the context of 5 holds 2 prompt + 3 generated tokens");
        assertEquals("length", r.get("finish_reason").asText());
    }

    /**
     * A Q8_0 cache: generate runs on it, and bench counts its bytes (one 32-wide KV head: one 34-byte block per
     * position for keys and one for values); a model whose heads are not whole 32-element blocks is refused by name.
     */
    @Test
    void quantizedCacheRunsAndCountsItsBlocks() throws Exception {
        JsonNode r = json(CliRun.run("", "generate", "-m", model, "--prompt-tokens", "1,2,3", "-n", "6",
                "--kv-cache-type", "q8_0", "--ignore-eos", "--json"));
        assertEquals(6, r.get("tokens").size());
        String[] common = {"bench", "-m", model, "-p", "4", "-n", "4", "-r", "1", "-t", "1", "--warmup", "0",
            "--kv-cache-type", "q8_0", "--json"};
        long flat = json(CliRun.run("", common)).get("bytes_per_token").longValue();
        long deep = json(CliRun.run("", concat(common, "-d", "16"))).get("bytes_per_token").longValue();
        assertEquals(16L * 2 * 34, deep - flat);

        Path file = dir.resolve("tiny-head-48.gguf");
        SyntheticModelWriter.write(new SynthSpec("qwen3", 1, 64, 2, 1, 48, 64, 0, 0, 0, 151_936, 64, true,
                TensorType.Q8_0, TensorType.Q8_0, false, null, CliRun.shared().resolve("qwen/qwen3"), 5), file);
        CliRun refused = assertBad("48", "generate", "-m", file.toString(), "--prompt", "x", "--kv-cache-type", "q4_0");
        assertTrue(refused.err().contains("q4_0") && refused.err().contains("multiple of"), refused.err());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        assertBad("-1", "generate", "-m", model, "--prompt", "x", "--temp", "-1");
        assertBad("1.5", "generate", "-m", model, "--prompt", "x", "--top-p", "1.5");
        assertBad("0", "generate", "-m", model, "--prompt", "x", "--top-p", "0");
        assertBad("-2", "generate", "-m", model, "--prompt", "x", "--min-p", "-2");
        assertBad("999999", "generate", "-m", model, "--prompt-tokens", "1,999999");
        assertBad("--bogus", "generate", "-m", model, "--prompt", "x", "--bogus");
        assertBad("bf7", "generate", "-m", model, "--prompt", "x", "--kv-cache-type", "bf7");
        assertBad("eagle", "generate", "-m", model, "--prompt", "x", "--speculative", "eagle");
        assertBad("--draft-max", "generate", "-m", model, "--prompt", "x", "--speculative", "ngram", "--draft-max", "0");
        assertBad("--ngram-min", "generate", "-m", model, "--prompt", "x", "--speculative", "ngram", "--ngram-min", "9");
        assertBad("exclude", "generate", "-m", model, "--prompt", "x", "--speculative", "ngram", "--model-draft", model);
        assertBad("vocabulary", "generate", "-m", model, "--prompt", "x", "--model-draft", qwen25Model());
        assertBad("--prompt", "generate", "-m", model, "--prompt", "x", "--prompt-tokens", "1");
        CliRun tooLong = assertBad("4", "generate", "-m", model, "--prompt-tokens", "1,2,3,4", "--ctx", "3");
        assertTrue(tooLong.err().contains("3"), tooLong.err());
        assertBad("nope.gguf", "generate", "-m", dir.resolve("nope.gguf").toString(), "--prompt", "x");
    }

    @Test
    void benchJsonHasTheContractShape() throws Exception {
        JsonNode r = json(CliRun.run("", "bench", "-m", model, "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--warmup", "0",
                "--json"));
        assertEquals("tiny-qwen3", r.get("model").asText());
        assertTrue(r.get("model_size").longValue() > 0);
        assertEquals(1, r.get("n_threads").intValue());
        assertEquals(1, r.get("repetitions").intValue());
        JsonNode pp = r.get("results").get(0);
        JsonNode tg = r.get("results").get(1);
        assertEquals("pp8", pp.get("test").asText());
        assertEquals(8, pp.get("n_prompt").intValue());
        assertEquals(0, pp.get("n_gen").intValue());
        assertTrue(pp.get("gflops").doubleValue() > 0);
        // The prefill's yardstick: the batched matmul alone on one of layer 0's matrices, same batch.
        assertTrue(pp.get("kernel_tensor").asText().startsWith("blk.0."), pp.toString());
        assertTrue(pp.get("kernel_gflops").doubleValue() > 0);
        // the ratio is computed before rounding: allow for the 2 printed decimals of each figure
        double gflops = pp.get("gflops").doubleValue();
        double kernel = pp.get("kernel_gflops").doubleValue();
        double ratio = gflops / kernel;
        assertEquals(ratio, pp.get("kernel_ratio").doubleValue(), ratio * (0.005 / gflops + 0.005 / kernel) + 0.001);
        assertEquals("tg4", tg.get("test").asText());
        assertEquals(0, tg.get("n_prompt").intValue());
        assertEquals(4, tg.get("n_gen").intValue());
        for (JsonNode t : r.get("results")) {
            assertEquals(1, t.get("samples_ts").size());
            assertTrue(t.get("avg_ts").doubleValue() > 0);
            assertTrue(t.get("stddev_ts").isNumber());
        }
        double ceiling = r.get("mem_bw_gbs").doubleValue() * 1e9 / r.get("bytes_per_token").doubleValue();
        assertEquals(ceiling, r.get("tg_ceiling_ts").doubleValue(), ceiling * 0.01);
        assertEquals(tg.get("avg_ts").doubleValue() / r.get("tg_ceiling_ts").doubleValue(),
                r.get("tg_ceiling_ratio").doubleValue(), 0.01);
        // A tied model reads its embedding matrix once as the LM head: more than the file minus nothing.
        assertTrue(r.get("bytes_per_token").longValue() > r.get("model_size").longValue() * 0.9);
    }

    @Test
    void benchAtDepthNamesItsTestsAndCountsTheCacheItReads() throws Exception {
        String[] common = {"bench", "-m", model, "-p", "4", "-n", "4", "-r", "1", "-t", "1", "--warmup", "0",
            "--kv-cache-type", "f16", "--json"};
        JsonNode flat = json(CliRun.run("", common));
        JsonNode deep = json(CliRun.run("", concat(common, "-d", "16")));
        assertEquals("pp4 @ d16", deep.get("results").get(0).get("test").asText());
        assertEquals("tg4 @ d16", deep.get("results").get(1).get("test").asText());
        for (JsonNode t : deep.get("results")) {
            assertEquals(16, t.get("n_depth").intValue());
        }
        assertEquals("pp4", flat.get("results").get(0).get("test").asText());
        assertTrue(flat.get("results").get(0).get("n_depth") == null, "no n_depth at depth 0 (contract shape)");
        // 16 more positions attended to per step: keys and values, 1 layer, 1 KV head of 32, 2 bytes each
        assertEquals(16L * 2 * 32 * 2, deep.get("bytes_per_token").longValue() - flat.get("bytes_per_token").longValue());
        CliRun tooDeep = CliRun.run("", concat(common, "-d", "61"));
        assertEquals(2, tooDeep.status(), tooDeep.err());
        assertTrue(tooDeep.err().contains("-d plus -p/-n come to 65 tokens") && tooDeep.err().contains("64"), tooDeep.err());
        CliRun negative = CliRun.run("", concat(common, "-d", "-1"));
        assertEquals(2, negative.status(), negative.err());
        assertTrue(negative.err().contains("-d must be >= 0"), negative.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void benchOfAFolderAsksForAGgufFile() {
        String folder = ModelFolderOptionTest.qwen3().toString();
        CliRun r = CliRun.run("", "bench", "-m", folder, "-p", "1", "-n", "1");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("needs a GGUF file") && r.err().contains(folder), r.err());
    }

    private static CliRun assertBad(String named, String... args) {
        CliRun run = CliRun.run("", args);
        assertEquals(2, run.status(), String.join(" ", args) + " -> " + run.err());
        String err = run.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.contains(named), "names " + named + ": " + err);
        assertFalse(err.contains("at io.qwen4j"), err);
        return run;
    }

    private static String[] append(String[] args, String... extra) {
        String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return all;
    }
}
