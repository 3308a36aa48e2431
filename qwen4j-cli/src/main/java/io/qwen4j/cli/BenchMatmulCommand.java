package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.InvalidInputException;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.KernelThroughput;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.quant.RandomBlocks;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qwen4j bench matmul}: GFLOP/s of the batched matmul kernel of each tensor type on a random matrix
 * (Gaussian weights quantized by the type's own quantizer), for several batch sizes, each as a ratio to
 * batch 1 of the same type in the same run: how much a batch (prefill, concurrent streams) gains from
 * reading and decoding each weight row once.
 */
@Command(name = "matmul", mixinStandardHelpOptions = true,
        description = "Batched matmul GFLOP/s per tensor type and batch size, with the ratio to batch 1.")
public final class BenchMatmulCommand implements Callable<Integer> {

    @Option(names = "--types", split = ",", paramLabel = "T,...",
            description = "Tensor types (default: every type qwen4j can quantize to).")
    List<String> types;

    @Option(names = "--rows", defaultValue = "1024", description = "Output rows (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--cols", defaultValue = "1024",
            description = "Columns, a multiple of 256 for the K-quants (default ${DEFAULT-VALUE}).")
    int cols;

    @Option(names = "--batch", split = ",", defaultValue = "1,8,32", paramLabel = "B,...",
            description = "Activation rows per call (default ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "Compute threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seconds", defaultValue = "1.0",
            description = "Timing per type and batch, best call counts, after as long untimed (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    record Row(TensorType type, int batch, double gflops, double vsBatch1) {
    }

    @Override
    public Integer call() throws Exception {
        if (rows < 1 || rows > 1 << 20 || cols < 1 || cols > 1 << 20) {
            throw new InvalidInputException("--rows and --cols must be between 1 and 1048576");
        }
        if (threads < 1 || threads > 1024) {
            throw new InvalidInputException("-t must be between 1 and 1024, not " + threads);
        }
        if (!(seconds > 0 && seconds <= 60)) {
            throw new InvalidInputException("--seconds must be in (0, 60], not " + seconds);
        }
        for (int b : batches) {
            if (b < 1 || b > 4096) {
                throw new InvalidInputException("--batch values must be between 1 and 4096, not " + b);
            }
        }
        List<Row> results = new ArrayList<>();
        // shared: the pool's threads read the matrix
        try (var pool = new ComputePool(threads); Arena arena = Arena.ofShared()) {
            for (TensorType type : selectedTypes()) {
                if (cols % type.blockSize != 0) {
                    throw new InvalidInputException("--cols " + cols + " is not a multiple of " + type
                            + "'s block of " + type.blockSize);
                }
                Tensor w = randomMatrix(type, arena);
                double batch1 = KernelThroughput.measure(pool, List.of(w), 1, seconds).gflops();
                for (int b : batches) {
                    double g = b == 1 ? batch1 : KernelThroughput.measure(pool, List.of(w), b, seconds).gflops();
                    results.add(new Row(type, b, g, g / batch1));
                }
            }
        }
        print(results, spec.commandLine().getOut());
        return 0;
    }

    private List<TensorType> selectedTypes() {
        List<TensorType> selected = new ArrayList<>();
        if (types == null) {
            for (TensorType t : TensorType.values()) {
                if (quantizable(t)) {
                    selected.add(t);
                }
            }
            return selected;
        }
        for (String name : types) {
            TensorType t;
            try {
                t = TensorType.valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown tensor type '" + name + "'");
            }
            if (!quantizable(t)) {
                throw new InvalidInputException("qwen4j cannot write " + t + " weights to benchmark");
            }
            selected.add(t);
        }
        return selected;
    }

    /** Types with a quantizer, or whose matrices can be random blocks ({@link RandomBlocks}: the i-quant grids). */
    private static boolean quantizable(TensorType t) {
        try {
            return RandomBlocks.writable(QuantFormats.of(t));
        } catch (InvalidInputException noKernel) {
            return false;
        }
    }

    private Tensor randomMatrix(TensorType type, Arena arena) {
        QuantFormat format = QuantFormats.of(type);
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        var blocks = RandomBlocks.instead(format);
        if (blocks.isPresent()) {
            blocks.get().randomBlocks(11, 0.02f, data, 0, Math.multiplyExact(rows, cols));
            return new Tensor("random." + type, type, new long[] {cols, rows}, data);
        }
        var random = new SplittableRandom(11);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (random.nextGaussian() * 0.02);
            }
            format.quantize(row, 0, cols, data, r * rowBytes);
        }
        return new Tensor("random." + type, type, new long[] {cols, rows}, data);
    }

    private void print(List<Row> results, PrintWriter out) throws Exception {
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Row r : results) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", r.type().name());
                m.put("batch", r.batch());
                m.put("gflops", Math.round(r.gflops() * 1e4) / 1e4);
                m.put("vs_batch1", Math.round(r.vsBatch1() * 1000) / 1000.0);
                list.add(m);
            }
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("rows", rows);
            top.put("cols", cols);
            top.put("threads", threads);
            top.put("results", list);
            out.println(new ObjectMapper().writeValueAsString(top));
        } else {
            out.printf(Locale.ROOT, "%-8s %6s %10s %10s%n", "type", "batch", "GFLOP/s", "vs b=1");
            for (Row r : results) {
                out.printf(Locale.ROOT, "%-8s %6d %10.2f %10.2f%n", r.type(), r.batch(), r.gflops(), r.vsBatch1());
            }
            out.printf(Locale.ROOT, "%dx%d matrix of random weights, %d thread(s), best call of %.1f s per type and batch%n",
                    rows, cols, threads, seconds);
        }
        out.flush();
    }
}
