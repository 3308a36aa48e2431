package io.qwen4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qwen4j.InvalidInputException;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.tensor.TensorType;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j bench dequant}: single-thread throughput of every format's reference dequantization
 * over random blocks, in GB/s of quantized input and of f32 output, with the ratio to F32 "dequant"
 * (a plain copy) measured in the same run, since absolute figures on a shared machine mean little.
 */
@Command(name = "dequant", mixinStandardHelpOptions = true,
        description = "Dequantization throughput of every supported tensor type (single thread).")
public final class BenchDequantCommand implements Callable<Integer> {

    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_ELEMENTS = 1 << 14;
    private static final int MIN_REPETITIONS = 5;
    /** Repeat at least this long per type, so the JIT has compiled the loop and the best run is stable. */
    private static final double MIN_SECONDS = 0.3;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(names = "--mib", paramLabel = "N", defaultValue = "64",
            description = "MiB of quantized input per type (default: ${DEFAULT-VALUE}).")
    int mib;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    record Result(TensorType type, long inputBytes, long elements, double seconds) {
        double inputGbs() {
            return inputBytes / seconds / 1e9;
        }

        double outputGbs() {
            return elements * 4.0 / seconds / 1e9;
        }
    }

    @Override
    public Integer call() throws IOException {
        if (mib < 1 || mib > 4096) {
            throw new IllegalArgumentException("--mib must be between 1 and 4096, not " + mib);
        }
        List<Result> results = new ArrayList<>();
        for (TensorType type : TensorType.values()) {
            QuantFormat format;
            try {
                format = QuantFormats.of(type);
            } catch (InvalidInputException noKernelYet) {
                continue;
            }
            results.add(measure(type, format));
        }
        Result f32 = results.stream().filter(r -> r.type() == TensorType.F32).findFirst().orElseThrow();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(results, f32, out);
        } else {
            out.printf("%-8s %12s %12s %10s%n", "type", "in GB/s", "out GB/s", "vs F32");
            for (Result r : results) {
                out.printf("%-8s %12.2f %12.2f %10.3f%n", r.type(), r.inputGbs(), r.outputGbs(),
                        r.outputGbs() / f32.outputGbs());
            }
            out.printf("single thread, %d MiB of input per type, best of >= %d runs and %.1f s;"
                    + " 'vs F32' = output rate / F32 copy rate%n", mib, MIN_REPETITIONS, MIN_SECONDS);
        }
        out.flush();
        return 0;
    }

    private Result measure(TensorType type, QuantFormat format) {
        long blocks = Math.max(1, ((long) mib << 20) / type.blockBytes);
        long elements = blocks * type.blockSize;
        int chunk = Math.max(type.blockSize, CHUNK_ELEMENTS / type.blockSize * type.blockSize);
        float[] sink = new float[chunk];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = randomBlocks(type, blocks * type.blockBytes, arena);
            double best = Double.MAX_VALUE;
            float checksum = 0;
            long began = System.nanoTime();
            for (int rep = 0; rep < MIN_REPETITIONS || (System.nanoTime() - began) / 1e9 < MIN_SECONDS; rep++) {
                long start = System.nanoTime();
                for (long done = 0; done < elements; done += chunk) {
                    int n = (int) Math.min(chunk, elements - done);
                    format.dequantize(data, type.bytesFor(done), sink, 0, n);
                    checksum += sink[n - 1]; // keeps the JIT from dropping the work
                }
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            if (checksum == 0.123f) {
                spec.commandLine().getErr().print("");
            }
            return new Result(type, data.byteSize(), elements, best);
        }
    }

    /**
     * Random bytes, except that every 16-bit word whose F16 (or BF16) exponent is all ones is made finite:
     * blocks keep their scales in F16 fields, and NaN/Inf scales could take slow paths that real weights
     * never hit. Touching the quant bits in those words too changes nothing about the work done.
     */
    private static MemorySegment randomBlocks(TensorType type, long bytes, Arena arena) {
        MemorySegment data = arena.allocate(bytes, 64);
        Random random = new Random(type.ggmlId);
        if (type == TensorType.F32) {
            for (long i = 0; i < bytes / 4; i++) {
                data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) random.nextGaussian());
            }
            return data;
        }
        short exponentMask = (short) (type == TensorType.BF16 ? 0x7F80 : 0x7C00);
        for (long i = 0; i < bytes / 2; i++) {
            short word = (short) random.nextInt();
            if ((word & exponentMask) == exponentMask) {
                word &= (short) ~(exponentMask & (exponentMask << 1)); // clear the exponent's top bit
            }
            data.setAtIndex(LE_SHORT, i, word);
        }
        return data;
    }

    private void printJson(List<Result> results, Result f32, PrintWriter out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeNumberField("n_threads", 1);
            g.writeNumberField("mib", mib);
            g.writeNumberField("min_repetitions", MIN_REPETITIONS);
            g.writeArrayFieldStart("results");
            for (Result r : results) {
                g.writeStartObject();
                g.writeStringField("type", r.type().name());
                g.writeNumberField("input_bytes", r.inputBytes());
                g.writeNumberField("elements", r.elements());
                g.writeNumberField("seconds", r.seconds());
                g.writeNumberField("input_gbs", r.inputGbs());
                g.writeNumberField("output_gbs", r.outputGbs());
                g.writeNumberField("ratio_to_f32", r.outputGbs() / f32.outputGbs());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.println();
    }
}
