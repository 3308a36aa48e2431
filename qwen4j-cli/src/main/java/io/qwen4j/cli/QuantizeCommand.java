package io.qwen4j.cli;

import io.qwen4j.convert.GgufRequantizer;
import io.qwen4j.convert.GgufTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code qwen4j quantize IN.gguf OUT.gguf TYPE}: requantize every matrix with llama.cpp's mixes. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Requantize a GGUF model (llama.cpp's Q4_K_M/Q5_K_M/IQ4 mixes; norms and MoE router stay F32).")
public final class QuantizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN.gguf") Path in;
    @Parameters(index = "1", paramLabel = "OUT.gguf") Path out;
    @Parameters(index = "2", paramLabel = "TYPE", description = "f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m, q6_k, iq4_nl, iq4_xs, mxfp4_moe (case-insensitive).")
    String type;

    @Override
    public Integer call() throws Exception {
        GgufTarget target = GgufTarget.parse(type);
        if (!Files.isRegularFile(in)) {
            throw new io.qwen4j.InvalidInputException("IN.gguf: no such file " + in);
        }
        OutputFiles.writeAtomically(out, partial -> GgufRequantizer.quantize(in, partial, target, line -> { }));
        System.err.println("wrote " + out + " (" + target.name().toLowerCase(java.util.Locale.ROOT) + ", "
                + Files.size(out) + " bytes)");
        return 0;
    }
}
