package io.qwen4j.convert;

import io.qwen4j.InvalidInputException;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.gguf.GgufValue;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.loader.LlamaCppMetadata;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * {@code qwen4j quantize}: rewrites a GGUF with every matrix in the target type (dequantize, then quantize
 * with the reference quantizer), llama.cpp's mixes, norms and router F32, and all metadata copied with
 * {@code general.file_type} updated.
 */
public final class GgufRequantizer {

    private GgufRequantizer() {
    }

    public static void quantize(Path in, Path out, GgufTarget target, Consumer<String> progress) throws IOException {
        if (Files.exists(out) && Files.isSameFile(in, out)) {
            throw new InvalidInputException("output " + out + " is the input file; write to another path");
        }
        try (GgufFile gguf = GgufFile.open(in)) {
            GgufMetadata metadata = gguf.metadata();
            if (!metadata.contains("general.architecture")) {
                throw new InvalidInputException(in + " has no general.architecture: not a model file");
            }
            String arch = metadata.getString("general.architecture");
            var writer = new GgufWriter();
            for (String key : metadata.keys()) {
                if (key.equals("general.alignment")) {
                    continue;
                }
                GgufValue value = key.equals(LlamaCppMetadata.FILE_TYPE)
                        ? GgufValue.ofUInt32(target.llamaFileType) : metadata.get(key);
                writer.put(key, value);
            }
            if (!metadata.contains(LlamaCppMetadata.FILE_TYPE)) {
                writer.putUInt32(LlamaCppMetadata.FILE_TYPE, target.llamaFileType);
            }
            if (target.isQuantized() && !metadata.contains("general.quantization_version")) {
                writer.putUInt32("general.quantization_version", 2);
            }
            boolean hasOutput = gguf.hasTensor("output.weight");
            int heads = metadata.getInt(arch + ".attention.head_count", 1);
            int kvHeads = metadata.getInt(arch + ".attention.head_count_kv", heads);
            var mix = new QuantMix(target, metadata.getInt(arch + ".block_count", 0),
                    metadata.getInt(arch + ".expert_count", 0), heads / Math.max(1, kvHeads), hasOutput);
            for (GgufTensorInfo info : gguf.tensorInfos()) {
                Tensor source = gguf.tensor(info.name());
                TensorType type = mix.typeFor(info.name(), source.shape());
                writer.addTensor(info.name(), type, source.shape(), segment -> {
                    progress.accept(info.name() + " " + source.type() + " -> " + type);
                    TensorTranscoder.transcode(source, type, segment);
                });
            }
            writer.write(out);
        }
    }
}
