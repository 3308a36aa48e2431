package io.qwen4j.cli;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code qwen4j gguf dequant FILE TENSOR -o OUT}: writes every element of a tensor as little-endian f32
 * in storage order (ne0 fastest), with no header. It streams a chunk of blocks at a time through the
 * format's reference dequantizer, so tensors larger than the heap work.
 */
@Command(name = "dequant", mixinStandardHelpOptions = true,
        description = "Write a tensor's elements as raw little-endian f32 (storage order, no header).")
public final class GgufDequantCommand implements Callable<Integer> {

    /** Elements per chunk: big enough to amortise the write call, small enough to stay in L2. */
    private static final int CHUNK_ELEMENTS = 1 << 16;

    @Parameters(arity = "1..2", paramLabel = "FILE TENSOR", description = "GGUF file (or use -m) and tensor name.")
    List<String> positionals = new ArrayList<>();

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF file.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Output file.")
    Path output;

    @Override
    public Integer call() throws IOException {
        Path file = GgufCommand.modelFrom(model, positionals, 1, "FILE TENSOR (or -m FILE TENSOR)");
        String name = GgufCommand.rest(model, positionals).getFirst();
        try (GgufFile gguf = GgufFile.open(file)) {
            Tensor tensor = gguf.tensor(name);
            dequantize(tensor, output);
        }
        return 0;
    }

    static void dequantize(Tensor tensor, Path output) throws IOException {
        QuantFormat format = QuantFormats.of(tensor.type());
        int blockSize = tensor.type().blockSize;
        int chunk = Math.max(blockSize, CHUNK_ELEMENTS / blockSize * blockSize);
        float[] values = new float[chunk];
        ByteBuffer bytes = ByteBuffer.allocate(chunk * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long total = tensor.elementCount();
        try (FileChannel out = FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long done = 0; done < total; ) {
                int n = (int) Math.min(chunk, total - done);
                format.dequantize(tensor.data(), tensor.type().bytesFor(done), values, 0, n);
                bytes.clear();
                bytes.asFloatBuffer().put(values, 0, n);
                bytes.limit(n * Float.BYTES);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                done += n;
            }
        }
    }
}
