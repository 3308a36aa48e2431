package io.qwen4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.engine.ContiguousKvCache;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.Generation;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationStep;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.KvCacheType;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.loader.LoadOptions;
import io.qwen4j.loader.LoadedModel;
import io.qwen4j.loader.ModelLoader;
import io.qwen4j.synth.SynthSpec;
import io.qwen4j.synth.SyntheticModelWriter;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole path the {@code generate} command takes, judged as the outside checks judge it: a synthetic
 * GGUF file (qwen2 untied, qwen3 tied with YaRN, qwen3moe, qwen35; F32, F16, Q8_0, Q4_K and the seven i-quant grids;
 * qwen2moe, qwen35moe with an MTP block, qwen3next in the older ssm_in layout at five of those types) loaded by
 * {@link ModelLoader}, 8 greedy tokens through the KV cache, then the prompt and output teacher-forced
 * through the double-precision {@link ReferenceModel} over the same file's dequantized weights. Each
 * chosen token's reference logit must be within the CONTRACTS tolerance of the reference maximum, and each
 * reported log-prob within it of the reference log-softmax.
 */
class GgufGenerationTest {

    private static final int VOCAB = 320;

    @TempDir
    static Path dir;

    static Path tokenizerDir;

    @BeforeAll
    static void tokenizer() throws Exception {
        tokenizerDir = TinyTokenizerDir.write(dir.resolve("tokenizer"));
    }

    static Stream<Arguments> models() {
        // the i-quant grids (random valid blocks, as synth writes them) run through their fused one-row kernels in
        // decode, the batched path in prefill, and as 3-D expert tensors in qwen3moe
        Stream<Arguments> everyType = Stream.of("qwen2", "qwen3", "qwen3moe", "qwen35").flatMap(arch -> Stream.of(
                        TensorType.F32, TensorType.F16, TensorType.Q8_0, TensorType.Q4_K, TensorType.IQ1_S,
                        TensorType.IQ1_M, TensorType.IQ2_XXS, TensorType.IQ2_XS, TensorType.IQ2_S, TensorType.IQ3_XXS,
                        TensorType.IQ3_S)
                .map(type -> Arguments.of(arch, type)));
        // the shared-expert MoE architectures reuse kernels the ones above cover; a float, an 8-bit, a k-quant and a grid
        Stream<Arguments> sharedExpert = Stream.of("qwen2moe", "qwen35moe", "qwen3next").flatMap(arch -> Stream.of(
                        TensorType.F32, TensorType.F16, TensorType.Q8_0, TensorType.Q4_K, TensorType.IQ3_S)
                .map(type -> Arguments.of(arch, type)));
        return Stream.concat(everyType, sharedExpert);
    }

    /** CONTRACTS.md "Generation": 0.01 for F32, 0.05 for F16/BF16, 0.1 for 8-bit and below. */
    static double tolerance(TensorType type) {
        return switch (type) {
            case F32 -> 0.01;
            case F16, BF16 -> 0.05;
            default -> 0.1;
        };
    }

    static SynthSpec spec(String arch, TensorType type) {
        boolean moe = arch.endsWith("moe") || arch.equals("qwen3next");
        boolean tied = !arch.startsWith("qwen2");
        SynthSpec.Yarn yarn = arch.equals("qwen3") ? new SynthSpec.Yarn(4f, 16) : null;
        // hybrids: layer 0 linear attention (4 value heads over 2 key heads), layer 1 gated attention rotating half a
        // head; qwen3next in its older interleaved ssm_in layout, qwen35moe with a multi-token-prediction block to skip
        SynthSpec.Linear linear = switch (arch) {
            case "qwen35" -> new SynthSpec.Linear(2, 4, 64, 4, 2, 32);
            case "qwen35moe" -> new SynthSpec.Linear(2, 4, 64, 4, 2, 32, false, 1);
            case "qwen3next" -> new SynthSpec.Linear(2, 4, 64, 4, 2, 32, true, 0);
            default -> null;
        };
        // ffn 512: the dense MLP, or the shared expert (qwen2moe, qwen35moe, qwen3next; the routed ones are 256)
        return new SynthSpec(arch, 2, 256, 4, 2, 64, 512, moe ? 4 : 0, moe ? 2 : 0, moe ? 256 : 0, VOCAB, 128,
                tied, type, type, false, yarn, tokenizerDir, 11, linear);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void greedyOutputMatchesTeacherForcedReference(String arch, TensorType type) throws Exception {
        Path file = dir.resolve(arch + "-" + type + ".gguf");
        SyntheticModelWriter.write(spec(arch, type), file);
        try (LoadedModel loaded = ModelLoader.load(file, LoadOptions.defaults().withThreads(2));
             GgufFile gguf = GgufFile.open(file)) {
            assertEquals(arch.equals("qwen3"), loaded.config().ropeScaling() instanceof RopeScaling.Yarn);
            int[] prompt = loaded.tokenizer().encode("<|im_start|>user\nHello, world!<|im_end|>\n", true);
            assertEquals(TinyTokenizerDir.IM_START, prompt[0], "special tokens parsed");
            var cache = ContiguousKvCache.forContext(loaded.config(), KvCacheType.F32, prompt.length + 8);
            Generation generation = new Generator(loaded.model()).start(prompt, cache,
                    new GenerationRequest(SamplingParams.greedy().withTopLogprobs(3), 8, Set.of()));
            List<GenerationStep> steps = generation.drain(s -> { });
            assertEquals(8, steps.size());
            assertEquals(FinishReason.LENGTH, generation.finishReason().orElseThrow());

            int[] all = Arrays.copyOf(prompt, prompt.length + steps.size() - 1);
            for (int i = 0; i < steps.size() - 1; i++) {
                all[prompt.length + i] = steps.get(i).token();
            }
            double[][] reference = new ReferenceModel(loaded.config(), tensors(gguf)).logits(all);
            double tolerance = tolerance(type);
            for (int i = 0; i < steps.size(); i++) {
                double[] row = reference[prompt.length - 1 + i];
                double max = Arrays.stream(row).max().orElseThrow();
                double logNormalizer = max + Math.log(Arrays.stream(row).map(v -> Math.exp(v - max)).sum());
                GenerationStep step = steps.get(i);
                String where = arch + " " + type + " step " + i;
                assertEquals(max, row[step.token()], tolerance, where + ": chosen token is not the reference argmax");
                assertEquals(row[step.token()] - logNormalizer, step.logprob(), tolerance, where + " logprob");
                for (var alternative : step.topLogprobs()) {
                    assertEquals(row[alternative.token()] - logNormalizer, alternative.logprob(), tolerance,
                            where + " top logprob of " + alternative.token());
                }
            }
        }
    }

    private static Map<String, Tensor> tensors(GgufFile gguf) {
        Map<String, Tensor> map = new HashMap<>();
        for (GgufTensorInfo info : gguf.tensorInfos()) {
            map.put(info.name(), gguf.tensor(info));
        }
        return map;
    }
}
