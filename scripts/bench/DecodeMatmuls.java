import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.kernels.ComputePool;
import io.qwen4j.kernels.MatMul;
import io.qwen4j.tensor.Tensor;
import io.qwen4j.tensor.TensorType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The matmuls of one decode step and nothing else: every 2-D weight of a GGUF file (the tied embedding
 * counted once, as the LM head) multiplied by one activation row, in file order, through the engine's
 * {@link MatMul}. Best of 5 sweeps, 8 rounds.
 *
 * <p>Why: {@code qwen4j bench -m} times whole decode steps, whose run-to-run swings on a shared box are
 * larger than most kernel changes; this isolates the part that is ~90 % of a step (JFR) and reads the same
 * bytes from memory, so two JVM configurations or two builds compare within a few percent.
 *
 * <p>Usage, after {@code mvn -o -q install -DskipTests}:
 * {@code $JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED [JVM flags]
 * -cp qwen4j-core/target/classes scripts/bench/DecodeMatmuls.java MODEL.gguf THREADS}
 */
public final class DecodeMatmuls {

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: DecodeMatmuls MODEL.gguf THREADS");
            System.exit(2);
        }
        try (GgufFile file = GgufFile.open(Path.of(args[0])); ComputePool pool = new ComputePool(Integer.parseInt(args[1]))) {
            List<Tensor> weights = new ArrayList<>();
            boolean tiedHead = !file.hasTensor("output.weight");
            for (GgufTensorInfo info : file.tensorInfos()) {
                Tensor t = file.tensor(info);
                boolean embedding = t.name().equals("token_embd.weight");
                if (t.dims() == 2 && t.type() != TensorType.F32 && (!embedding || tiedHead)) {
                    weights.add(t);
                }
            }
            long flops = 0;
            int cols = 0;
            int rows = 0;
            for (Tensor t : weights) {
                flops += 2 * t.dim(0) * t.dim(1);
                cols = Math.max(cols, (int) t.dim(0));
                rows = Math.max(rows, (int) t.dim(1));
            }
            float[] x = new float[cols];
            float[] out = new float[rows];
            Random random = new Random(1);
            for (int i = 0; i < cols; i++) {
                x[i] = random.nextFloat() - 0.5f;
            }
            for (int round = 0; round < 8; round++) {
                long best = Long.MAX_VALUE;
                for (int sweep = 0; sweep < 5; sweep++) {
                    long start = System.nanoTime();
                    for (Tensor t : weights) {
                        MatMul.matmul(pool, t, x, 1, out);
                    }
                    best = Math.min(best, System.nanoTime() - start);
                }
                System.out.printf(Locale.ROOT, "%d matrices, %.2f GFLOP per token: %.1f ms -> %.1f GFLOP/s%n",
                        weights.size(), flops / 1e9, best / 1e6, flops / (double) best);
            }
        }
    }
}
