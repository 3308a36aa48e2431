package io.qwen4j.loader.hf;

import io.qwen4j.InvalidInputException;
import io.qwen4j.quant.QuantFormat;
import io.qwen4j.quant.QuantFormats;
import io.qwen4j.safetensors.SafetensorsTensor;
import io.qwen4j.tensor.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Block-scaled FP8 weights ({@code float8_e4m3fn} with {@code weight_scale_inv}, as in Qwen's {@code *-FP8}
 * repos) turned into a format the kernels read: {@code w[r][c] = fp8[r][c] x scale[r / blockRows][c / blockCols]}.
 * The scale is a multiplier despite its name ("inverse" of the quantization scale).
 *
 * <p>Why convert at load rather than a kernel reading FP8: FP8 is not a ggml type, so a kernel would need a
 * new {@code TensorType}, a format class and a dispatch path through every matmul; the Vector API has no
 * FP8 lanes either, so such a kernel would decode each byte through a table or bit tricks and multiply by a
 * per-block scale. Why F16: an e4m3 value (4 significant bits) times a BF16 scale (8 bits) needs at most
 * 12 bits, F16 keeps 11, so the converted weight is within 2^-12 of exact (BF16 keeps 8: 8x the error, and
 * measurably beyond the 0.05-logit tolerance on large logits), at 2 bytes per weight. Measured figures are
 * in notes/readme-hf.md ({@code Fp8TargetBench}).
 */
final class Fp8Weights {

    /** All 256 e4m3fn codes: 1 sign, 4 exponent bits (bias 7), 3 mantissa bits; 0x7F and 0xFF are NaN. */
    static final float[] E4M3FN = new float[256];

    static {
        for (int code = 0; code < 256; code++) {
            int sign = (code & 0x80) != 0 ? -1 : 1;
            int exponent = (code >> 3) & 0xF;
            int mantissa = code & 0x7;
            float magnitude;
            if (exponent == 0xF && mantissa == 0x7) {
                magnitude = Float.NaN;
            } else if (exponent == 0) {
                magnitude = mantissa / 8f * 0x1p-6f; // subnormal
            } else {
                magnitude = (1 + mantissa / 8f) * (float) Math.scalb(1.0, exponent - 7);
            }
            E4M3FN[code] = sign * magnitude;
        }
    }

    private Fp8Weights() {
    }

    /**
     * Dequantizes a 2-D FP8 weight [rows, cols] with its scales into {@code target} rows written at
     * {@code out} (row r at {@code r * target.bytesFor(cols)}).
     */
    static void convert(SafetensorsTensor weight, SafetensorsTensor scales, HfConfig.Fp8Blocks blocks,
                        TensorType target, MemorySegment out) {
        long[] shape = weight.shape();
        if (shape.length != 2) {
            throw new InvalidInputException(weight.describe() + ": FP8 weights must be 2-D");
        }
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        int gridRows = (int) Math.ceilDiv((long) rows, blocks.rows());
        int gridCols = (int) Math.ceilDiv((long) cols, blocks.cols());
        long[] scaleShape = scales.shape();
        long scaleCount = scales.elementCount();
        boolean matches = scaleShape.length == 2 ? scaleShape[0] == gridRows && scaleShape[1] == gridCols
                : scaleCount == 1 && gridRows == 1 && gridCols == 1;
        if (!matches) {
            throw new InvalidInputException(scales.describe() + ": expected scales of shape [" + gridRows + ", "
                    + gridCols + "] for " + weight.describe() + " with " + blocks.rows() + "x" + blocks.cols() + " blocks");
        }
        float[] scale = floats(scales);
        QuantFormat format = QuantFormats.of(target);
        long rowBytes = target.bytesFor(cols);
        MemorySegment src = weight.data();
        IntStream.range(0, rows).parallel().forEach(r -> {
            float[] row = new float[cols];
            int scaleRow = r / blocks.rows() * gridCols;
            long base = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                int code = src.get(ValueLayout.JAVA_BYTE, base + c) & 0xFF;
                row[c] = E4M3FN[code] * scale[scaleRow + c / blocks.cols()];
            }
            format.quantize(row, 0, cols, out, r * rowBytes);
        });
    }

    /** Largest finite e4m3fn magnitude. */
    static final float MAX_FP8 = 448f;
    private static final float MAX_F16 = 65504f;

    /**
     * {@code preferred}, unless it is F16 and {@code 448 x scale} could overflow it (weights beyond 65504);
     * then F32, which holds every product exactly.
     */
    static TensorType targetFor(TensorType preferred, Iterable<SafetensorsTensor> scaleTensors) {
        if (preferred != TensorType.F16) {
            return preferred;
        }
        for (SafetensorsTensor scales : scaleTensors) {
            for (float s : floats(scales)) {
                if (Math.abs(s) * MAX_FP8 > MAX_F16) {
                    return TensorType.F32;
                }
            }
        }
        return preferred;
    }

    /** A small F32/F16/BF16 tensor (the scales) read into floats. */
    private static float[] floats(SafetensorsTensor t) {
        TensorType type = switch (t.dtype()) {
            case F32 -> TensorType.F32;
            case F16 -> TensorType.F16;
            case BF16 -> TensorType.BF16;
            default -> throw new InvalidInputException(t.describe() + ": FP8 scales must be F32, F16 or BF16");
        };
        float[] values = new float[Math.toIntExact(t.elementCount())];
        QuantFormats.of(type).dequantize(t.data(), 0, values, 0, values.length);
        if (Arrays.stream(toDoubles(values)).anyMatch(v -> !Double.isFinite(v))) {
            throw new InvalidInputException(t.describe() + ": FP8 scales contain NaN or infinity");
        }
        return values;
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
