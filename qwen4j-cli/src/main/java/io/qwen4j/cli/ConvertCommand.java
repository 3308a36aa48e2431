package io.qwen4j.cli;

import io.qwen4j.InvalidInputException;
import io.qwen4j.convert.GgufTarget;
import io.qwen4j.convert.HfToGguf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code qwen4j convert HF_DIR -o OUT.gguf [--type T]}: an HF model folder to a llama.cpp-compatible GGUF. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a Hugging Face model folder (safetensors, incl. FP8) to GGUF as llama.cpp's converter does.")
public final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "Folder with config.json, tokenizer files and *.safetensors.")
    Path hfDir;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT.gguf") Path out;

    @Option(names = "--type", description = "f16 (default), bf16, f32, q8_0, q4_0, q4_k_m, q5_k_m, q6_k, iq4_nl, iq4_xs, mxfp4_moe (case-insensitive).")
    String type = "f16";

    @Override
    public Integer call() throws Exception {
        GgufTarget target = GgufTarget.parse(type);
        if (!Files.isDirectory(hfDir)) {
            throw new InvalidInputException("HF_DIR: " + hfDir + " is not a folder");
        }
        OutputFiles.writeAtomically(out, partial -> HfToGguf.convert(hfDir, partial, target, line -> { }));
        System.err.println("wrote " + out + " (" + target.name().toLowerCase(java.util.Locale.ROOT) + ", "
                + Files.size(out) + " bytes)");
        return 0;
    }
}
